export const packageName = '@qbo-sync/api';
