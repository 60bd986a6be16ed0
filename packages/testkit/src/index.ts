export const packageName = '@qbo-sync/testkit';
