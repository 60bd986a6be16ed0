export const packageName = '@qbo-sync/qbo-sandbox';
