export const packageName = '@qbo-sync/config';
