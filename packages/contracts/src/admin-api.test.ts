import { describe, expect, it } from '@jest/globals';
import {
  adminOpenApiSchemas,
  CreateTenantBody,
  ReplayBody,
  SyncRecordQuery,
  TenantSettingsPatch,
} from './admin-api.js';

describe('admin API schemas', () => {
  it('a settings patch keeps only the keys given (no defaults filled in) and rejects unknown keys', () => {
    expect(TenantSettingsPatch.parse({})).toEqual({});
    expect(TenantSettingsPatch.parse({ autoSync: false })).toEqual({ autoSync: false });
    expect(TenantSettingsPatch.safeParse({ autoSync: 'no' }).success).toBe(false);
    expect(TenantSettingsPatch.safeParse({ colour: 'red' }).success).toBe(false);
    expect(TenantSettingsPatch.safeParse({ customerMatch: 'phone' }).success).toBe(false);
  });

  it('a tenant id follows the tenant id rule', () => {
    expect(CreateTenantBody.safeParse({ id: 'acme-moving', name: 'Acme' }).success).toBe(true);
    expect(CreateTenantBody.safeParse({ id: 'Acme Moving', name: 'Acme' }).success).toBe(false);
    expect(CreateTenantBody.safeParse({ id: 'acme', name: '  ' }).success).toBe(false);
  });

  it('replays default to failed records; dates may be dates or date-times, in order', () => {
    expect(ReplayBody.safeParse({}).success).toBe(false); // a bulk replay needs a note for the audit log
    expect(ReplayBody.parse({ note: 'mapping fixed' })).toEqual({ status: 'failed', note: 'mapping fixed' });
    const parsed = ReplayBody.parse({ note: 'backfill window', from: '2025-03-01', to: '2025-03-02T12:00:00+02:00' });
    expect(parsed.from?.toISOString()).toBe('2025-03-01T00:00:00.000Z');
    expect(parsed.to?.toISOString()).toBe('2025-03-02T10:00:00.000Z');
    const reversed = ReplayBody.safeParse({ note: 'backfill window', from: '2025-03-02', to: '2025-03-01' });
    expect(reversed.success).toBe(false);
    expect(reversed.error?.issues[0]?.path).toEqual(['to']);
    expect(ReplayBody.safeParse({ from: 'yesterday' }).success).toBe(false);
    expect(ReplayBody.safeParse({ status: 'broken' }).success).toBe(false);
  });

  it('listing queries coerce the limit from the query string and bound it', () => {
    expect(SyncRecordQuery.parse({ limit: '20' }).limit).toBe(20);
    expect(SyncRecordQuery.parse({}).limit).toBe(50);
    expect(SyncRecordQuery.safeParse({ limit: '5000' }).success).toBe(false);
  });

  it('generates OpenAPI components for every admin body', () => {
    const schemas = adminOpenApiSchemas();
    expect(Object.keys(schemas)).toEqual(
      expect.arrayContaining([
        'CreateTenantRequest',
        'TenantDetailResponse',
        'ReplayRequest',
        'SyncRecordListResponse',
      ]),
    );
    const replay = schemas['ReplayRequest'] as { properties: Record<string, { default?: unknown }> };
    expect(replay.properties['status']?.default).toBe('failed');
    expect(JSON.stringify(schemas)).not.toContain('$schema');
  });
});
