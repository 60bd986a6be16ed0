export const packageName = '@qbo-sync/cli';
