// Whether a void overtook its original, as the invoice/payment sync asks it with the answer its job input
// already carried: a void received after that read has left the record parked VOID_BEFORE_ORIGINAL.
import { describe, expect, it } from '@jest/globals';
import type { SyncRecordRow } from '@qbo-sync/db/repositories/sync-records';
import type { SyncDeps } from './deps.js';
import type { TenantContext } from './tenant-context.js';
import { voidEventReceived } from './void.js';

// With the inbox answer given, nothing is read: no database behind these.
const deps = {} as SyncDeps;
const ctx = { tenantId: 't1' } as TenantContext;
const record = (over: Partial<SyncRecordRow>) =>
  ({ externalId: 'INV-1', qboId: null, status: 'pending', reasonCode: null, ...over }) as SyncRecordRow;

describe('voidEventReceived with the job input answer', () => {
  it('is true when the job input saw the void', async () => {
    expect(await voidEventReceived(deps, ctx, record({}), 'invoice.voided', true)).toBe(true);
  });

  it('is true when a void received after that read left the record waiting for its original', async () => {
    const parked = record({ status: 'waiting', reasonCode: 'VOID_BEFORE_ORIGINAL' });
    expect(await voidEventReceived(deps, ctx, parked, 'invoice.voided', false)).toBe(true);
  });

  it('is false when neither says so, or when the entity is already in QBO', async () => {
    expect(await voidEventReceived(deps, ctx, record({}), 'payment.voided', false)).toBe(false);
    expect(await voidEventReceived(deps, ctx, record({ qboId: '12' }), 'invoice.voided', true)).toBe(false);
  });
});
