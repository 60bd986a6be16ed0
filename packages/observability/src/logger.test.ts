import { Writable } from 'node:stream';
import { describe, expect, it } from '@jest/globals';
import { createLogger, maskSecretsInText } from './index.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.super-secret-access-token';

describe('logger redaction', () => {
  it('never writes token, secret or authorization values', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'test', level: 'info', destination });
    log.info(
      { access_token: TOKEN, refreshToken: 'rt-123-secret', tokens: { refresh_token: 'rt-nested-secret' } },
      'refreshed',
    );
    log.info({ req: { headers: { authorization: `Bearer ${TOKEN}`, 'x-api-key': 'qsk_live_abc' } } }, 'request');
    log.info({ connection: { clientSecret: 'client-secret-value', apiKey: 'qsk_live_def' } }, 'connect');
    log.error({ err: new Error(`token endpoint said no for Bearer ${TOKEN} and refresh_token=rt-in-url`) }, 'failed');
    const out = lines.join('');
    for (const secret of [
      TOKEN,
      'rt-123-secret',
      'rt-nested-secret',
      'qsk_live_abc',
      'client-secret-value',
      'qsk_live_def',
      'rt-in-url',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('[REDACTED]');
    expect(lines).toHaveLength(4);
  });

  it('masks bearer tokens and secret query parameters inside text', () => {
    expect(maskSecretsInText('Authorization: Bearer abc.def-ghi')).toBe('Authorization: Bearer [REDACTED]');
    expect(maskSecretsInText('grant_type=refresh_token&refresh_token=AB12&x=1')).toBe(
      'grant_type=refresh_token&refresh_token=[REDACTED]&x=1',
    );
  });
});

describe('logged errors', () => {
  it('drop bound parameters, row details and echoed values, keeping what helps an operator', () => {
    const { lines, destination } = capture();
    const log = createLogger({ name: 'test', level: 'info', destination });
    const err = Object.assign(new Error('invalid input syntax for type integer: "jane@example.com"'), {
      code: '22P02',
      routine: 'pg_strtoint32',
      parameters: ['jane@example.com', '+1 415 555 0100'],
      params: ['12 Harbor Way'],
      detail: 'Key (email)=(jane@example.com) already exists.',
      where: "unnamed portal parameter $1 = 'jane@example.com'",
    });
    const wrapped = new Error(
      'Failed query: insert into customers values ($1)\nparams: jane@example.com,12 Harbor Way',
      {
        cause: err,
      },
    );
    log.error({ err: wrapped }, 'insert failed');
    log.error({ err }, 'query failed');
    const out = lines.join('');
    for (const value of ['jane@example.com', '+1 415 555 0100', '12 Harbor Way']) expect(out).not.toContain(value);
    const second = JSON.parse(lines[1] ?? '{}') as { err: Record<string, unknown> };
    expect(second.err).toMatchObject({ code: '22P02', routine: 'pg_strtoint32' });
    expect(second.err['message']).toBe('invalid input syntax for type integer: "[REDACTED]"');
    expect(out).toContain('params: [REDACTED]');
  });
});
