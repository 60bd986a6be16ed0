export const packageName = '@qbo-sync/db';
