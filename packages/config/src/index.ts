export { type Config, ConfigError, type EncryptionKey, loadConfig, loadConfigOrExit, type QboTarget } from './load.js';
export { type Env, EnvSchema } from './schema.js';
