export const packageName = '@qbo-sync/observability';
