export const packageName = '@qbo-sync/sync-core';
