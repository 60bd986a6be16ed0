export { createTestDatabase, TEST_PG_BASE_URL, type TestDatabase } from './database.js';
export { freePort, type OwnPostgres, type OwnRedis, startOwnPostgres, startOwnRedis } from './own-services.js';
export { deleteKeysWithPrefix, TEST_REDIS_URL, testRedis, uniqueQueuePrefix } from './redis.js';
export { startTcpProxy, type TcpProxy } from './tcp-proxy.js';
export { waitFor } from './wait.js';
