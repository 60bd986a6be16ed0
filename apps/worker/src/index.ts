export const packageName = '@qbo-sync/worker';
