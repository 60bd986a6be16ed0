export const packageName = '@qbo-sync/producer';
