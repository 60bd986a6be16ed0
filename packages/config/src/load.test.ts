import { describe, expect, it } from '@jest/globals';
import { ConfigError, loadConfig } from './index.js';

describe('loadConfig', () => {
  it('works with an empty environment and targets the local sandbox', () => {
    const c = loadConfig({});
    expect(c.databaseUrl).toBe('postgres://postgres@127.0.0.1:5432/qbo_sync');
    expect(c.redisUrl).toBe('redis://127.0.0.1:6379');
    expect(c.qbo.target).toBe('local-sandbox');
    expect(c.qbo.apiBaseUrl).toBe('http://127.0.0.1:4010');
    expect(c.qbo.tokenUrl).toBe('http://127.0.0.1:4010/oauth2/v1/tokens/bearer');
    expect(c.sandbox.start).toBe(true);
    expect(c.encryptionKeys[0]?.key).toHaveLength(32);
    expect(c.worker.lockDurationMs).toBe(30_000);
    expect(c.worker.dbConnections).toBe(4);
    expect(c.worker.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('sizes the worker database pool from the concurrency unless WORKER_DB_CONNECTIONS says', () => {
    expect(loadConfig({ WORKER_CONCURRENCY: '50' }).worker.dbConnections).toBe(10);
    expect(loadConfig({ WORKER_CONCURRENCY: '5' }).worker.dbConnections).toBe(4);
    expect(loadConfig({ WORKER_DB_CONNECTIONS: '12' }).worker.dbConnections).toBe(12);
    expect(() => loadConfig({ WORKER_DB_CONNECTIONS: '0' })).toThrow(/WORKER_DB_CONNECTIONS/);
  });

  const realSecrets = {
    TOKEN_ENCRYPTION_KEYS: `k1:${Buffer.alloc(32, 9).toString('base64')}`,
    ADMIN_TOKEN: 'a-long-admin-token-0123456789',
  };
  const intuit = {
    QBO_CLIENT_ID: 'abc',
    QBO_CLIENT_SECRET: 'shh',
    QBO_API_BASE_URL: 'https://sandbox-quickbooks.api.intuit.com',
  };
  const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
    try {
      loadConfig(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.problems;
      throw e;
    }
    return [];
  };

  it('targets Intuit when credentials and endpoints are set', () => {
    const c = loadConfig({ ...intuit, ...realSecrets });
    expect(c.qbo.target).toBe('intuit');
    expect(c.qbo.tokenUrl).toBe('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    // QBO's limits: 500/min, 10 at once, 10/s per realm and app; ours stay under each.
    expect(c.qbo.rateLimit).toEqual({ perWindow: 450, windowMs: 60_000, maxConcurrent: 8, burstPerSecond: 8 });
    expect(c.sandbox.start).toBe(false);
  });

  it('sets the per-second burst window: 8 against Intuit, off against the sandbox, at most 10', () => {
    expect(loadConfig({}).qbo.rateLimit.burstPerSecond).toBe(0);
    expect(loadConfig({ QBO_BURST_PER_SECOND: '5' }).qbo.rateLimit.burstPerSecond).toBe(5);
    expect(problemsOf({ QBO_BURST_PER_SECOND: '11' })).toEqual([expect.stringMatching(/^QBO_BURST_PER_SECOND/)]);
  });

  it('turns the worker metrics endpoint off with port 0', () => {
    expect(loadConfig({ WORKER_METRICS_PORT: '0' }).worker.metrics.port).toBe(0);
  });

  it('treats blank values as unset', () => {
    expect(loadConfig({ API_PORT: '  ' }).api.port).toBe(3000);
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ API_PORT: 'eighty', REDIS_URL: 'http://x', QBO_MAX_CONCURRENT_PER_REALM: '50' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as ConfigError).message;
    expect(message).toContain('API_PORT');
    expect(message).toContain('REDIS_URL');
    expect(message).toContain('QBO_MAX_CONCURRENT_PER_REALM');
  });

  it('rejects malformed encryption keys and demands secrets in production', () => {
    expect(() => loadConfig({ TOKEN_ENCRYPTION_KEYS: 'k1:c2hvcnQ=' })).toThrow(/exactly 32 bytes/);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/TOKEN_ENCRYPTION_KEYS: required.*\n.*ADMIN_TOKEN/s);
  });

  it('refuses to start against a QBO that is not on this machine without real secrets, even in development', () => {
    const problems = problemsOf({ NODE_ENV: 'development', ...intuit });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/^TOKEN_ENCRYPTION_KEYS: required when QuickBooks is not on this machine/);
    expect(problems[0]).toContain('QBO_API_BASE_URL=https://sandbox-quickbooks.api.intuit.com');
    expect(problems[0]).toContain('development key is public');
    expect(problems[1]).toMatch(/^ADMIN_TOKEN: required when QuickBooks is not on this machine/);
    // Without credentials (target local-sandbox) but with Intuit's URL, tokens could still be real.
    expect(problemsOf({ QBO_API_BASE_URL: 'https://quickbooks.api.intuit.com', QBO_CLIENT_ID: 'abc' })).toEqual(
      expect.arrayContaining([expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: required/)]),
    );
    expect(problemsOf({ QBO_OAUTH_TOKEN_URL: 'https://oauth.example.com/token' })[0]).toMatch(
      /^TOKEN_ENCRYPTION_KEYS: required .*QBO_OAUTH_TOKEN_URL=/,
    );
    expect(problemsOf({ NODE_ENV: 'test', ...intuit, ADMIN_TOKEN: realSecrets.ADMIN_TOKEN })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: required/),
    ]);
  });

  it('decides by the effective OAuth URLs: a loopback API base with Intuit OAuth left at its defaults is remote', () => {
    const problems = problemsOf({
      QBO_API_BASE_URL: 'http://127.0.0.1:4010',
      QBO_CLIENT_ID: 'abc',
      QBO_CLIENT_SECRET: 'shh',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: required when QuickBooks is not on this machine/),
      expect.stringMatching(/^ADMIN_TOKEN: required/),
    ]);
    expect(problems[0]).toContain('QBO_OAUTH_TOKEN_URL=https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    expect(problems[0]).toContain('QBO_OAUTH_AUTHORIZE_URL=https://appcenter.intuit.com/connect/oauth2');
    expect(problems[0]).not.toContain('QBO_API_BASE_URL');
    // Only the authorize URL left at Intuit's: still remote (a person would grant real access there).
    expect(
      problemsOf({
        QBO_API_BASE_URL: 'http://127.0.0.1:4010',
        QBO_OAUTH_TOKEN_URL: 'http://127.0.0.1:4010/oauth2/v1/tokens/bearer',
        QBO_OAUTH_REVOKE_URL: 'http://127.0.0.1:4010/v2/oauth2/tokens/revoke',
        QBO_CLIENT_ID: 'abc',
        QBO_CLIENT_SECRET: 'shh',
      })[0],
    ).toMatch(/^TOKEN_ENCRYPTION_KEYS: required .*QBO_OAUTH_AUTHORIZE_URL=https:\/\/appcenter/);
  });

  it('refuses the public development key when set explicitly for a remote QBO or in production', () => {
    const dev = 'mine:ZGV2LW9ubHkta2V5LWRvLW5vdC11c2UtaW4tcHJvZCE=';
    expect(problemsOf({ ...intuit, ...realSecrets, TOKEN_ENCRYPTION_KEYS: dev })).toEqual([
      expect.stringMatching(/^TOKEN_ENCRYPTION_KEYS: the public development key may not be used/),
    ]);
    expect(
      problemsOf({ NODE_ENV: 'production', ADMIN_TOKEN: realSecrets.ADMIN_TOKEN, TOKEN_ENCRYPTION_KEYS: dev }),
    ).toHaveLength(1);
    expect(loadConfig({ TOKEN_ENCRYPTION_KEYS: dev }).encryptionKeys[0]?.id).toBe('mine');
  });

  it('a QBO on this machine runs with the development key and no admin token', () => {
    for (const base of [
      'http://127.0.0.1:4010',
      'http://localhost:4010',
      'http://[::1]:4010',
      'http://qbo.localhost',
    ]) {
      const local = {
        QBO_API_BASE_URL: base,
        QBO_OAUTH_TOKEN_URL: `${base}/oauth2/v1/tokens/bearer`,
        QBO_OAUTH_AUTHORIZE_URL: `${base}/connect/oauth2`,
        QBO_OAUTH_REVOKE_URL: `${base}/v2/oauth2/tokens/revoke`,
      };
      expect(problemsOf({ ...local, QBO_CLIENT_ID: 'abc', QBO_CLIENT_SECRET: 'shh' })).toEqual([]);
    }
    // Our own sandbox wherever it runs (e.g. a compose service name): no QBO_* URL is set.
    expect(problemsOf({ SANDBOX_HOST: 'qbo-sandbox' })).toEqual([]);
  });

  it('parses a key list, first key encrypts', () => {
    const k = Buffer.alloc(32, 7).toString('base64');
    const c = loadConfig({ TOKEN_ENCRYPTION_KEYS: `new:${k}, old:${k}` });
    expect(c.encryptionKeys.map((x) => x.id)).toEqual(['new', 'old']);
  });
});
