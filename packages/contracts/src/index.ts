export const packageName = '@qbo-sync/contracts';
