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
    expect(c.worker.metrics).toEqual({ host: '127.0.0.1', port: 9464 });
  });

  it('targets Intuit when credentials and endpoints are set', () => {
    const c = loadConfig({
      QBO_CLIENT_ID: 'abc',
      QBO_CLIENT_SECRET: 'shh',
      QBO_API_BASE_URL: 'https://sandbox-quickbooks.api.intuit.com',
    });
    expect(c.qbo.target).toBe('intuit');
    expect(c.qbo.tokenUrl).toBe('https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer');
    expect(c.sandbox.start).toBe(false);
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

  it('parses a key list, first key encrypts', () => {
    const k = Buffer.alloc(32, 7).toString('base64');
    const c = loadConfig({ TOKEN_ENCRYPTION_KEYS: `new:${k}, old:${k}` });
    expect(c.encryptionKeys.map((x) => x.id)).toEqual(['new', 'old']);
  });
});
