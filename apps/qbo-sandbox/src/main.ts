// `node dist/main.js`: the sandbox on SANDBOX_PORT (default 4010), optionally with a seeded demo company.
import { startSandbox } from './index.js';

const DEMO_REALM = '9130350000000001';
const env = process.env;
const client =
  env['QBO_CLIENT_ID'] && env['QBO_CLIENT_SECRET']
    ? [{ clientId: env['QBO_CLIENT_ID'], clientSecret: env['QBO_CLIENT_SECRET'] }]
    : undefined;

/** Short-lived access tokens for refresh testing against a sandbox process (e.g. 2); default 3600. */
const ttl = env['SANDBOX_ACCESS_TOKEN_TTL_SECONDS'];
const accessTokenTtlSeconds = ttl === undefined || ttl === '' ? undefined : Number(ttl);
if (accessTokenTtlSeconds !== undefined && !(Number.isInteger(accessTokenTtlSeconds) && accessTokenTtlSeconds > 0)) {
  console.error(`SANDBOX_ACCESS_TOKEN_TTL_SECONDS must be a whole number of seconds above 0, not "${ttl}"`);
  process.exit(1);
}

const sb = await startSandbox({
  port: Number(env['SANDBOX_PORT'] ?? 4010),
  host: env['SANDBOX_HOST'] ?? '127.0.0.1',
  ...(client ? { clients: client } : {}),
  ...(accessTokenTtlSeconds ? { accessTokenTtlSeconds } : {}),
  logger: env['SANDBOX_LOG'] === '1',
});
console.log(`qbo-sandbox listening on ${sb.url}`);
if (env['SANDBOX_SEED_DEMO'] === '1') {
  sb.createRealm({ realmId: DEMO_REALM, seed: true, companyName: 'Demo Moving Co.' });
  console.log(
    `demo company ${DEMO_REALM}: ${sb.url}/v3/company/${DEMO_REALM}  (admin: ${sb.url}/__sandbox/realms/${DEMO_REALM})`,
  );
}
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => void sb.close().then(() => process.exit(0)));
