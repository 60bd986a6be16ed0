export const packageName = '@qbo-sync/qbo-client';
