export {
  createDb,
  type Database,
  type DbHandle,
  ensureDatabase,
  migrationsFolder,
  prepareDatabase,
  prepareDatabaseWhenReachable,
  rawClient,
} from './client.js';
export * as schema from './schema.js';
export { inboxEvents, mappings, qboConnections, syncAttempts, syncRecords, tenants } from './schema.js';
export { SecretBox, SecretDecryptError, type SecretKey } from './secrets.js';
