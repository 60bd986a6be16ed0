import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type AuditListResponse, JOB_NAMES, type RecordSearchResponse } from '@qbo-sync/contracts';
import { storeSnapshot } from '@qbo-sync/db/repositories/sync-records';
import { writeHeartbeat } from '@qbo-sync/producer';
import { type Harness, startHarness } from './harness.js';

describe('operations commands', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('cli_ops');
    expect((await h.cli(['tenants', 'create', 'ops-co', '--name', 'Ops Co'])).code).toBe(0);
  });
  afterAll(async () => {
    await h.close();
  });

  it('--help on a command group lists its commands and exits 0', async () => {
    for (const group of ['mappings', 'tenants', 'operators']) {
      const res = await h.cli([group, '--help']);
      expect([group, res.code]).toEqual([group, 0]);
      expect(res.stdout).toContain(`usage: qbo-sync ${group} <`);
      expect(res.stdout).toContain(`${group} list`);
    }
    // Without --help a bare group is still a usage error naming its subcommands.
    expect((await h.cli(['mappings'])).code).toBe(2);
  });

  it('operators create / list / revoke', async () => {
    const created = await h.cli(['operators', 'create', 'alice', '--role', 'support']);
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^Created operator alice \(support, id \d+\)\.\ntoken: qso_/);
    const token = /token: (\S+)/.exec(created.stdout)?.[1] ?? '';
    const list = await h.cli(['operators', 'list']);
    expect(list.stdout).toMatch(/alice\s+support\s+qso_/);
    expect(list.stdout).not.toContain(token);
    const revoked = await h.cli(['operators', 'revoke', 'alice']);
    expect(revoked.stdout).toMatch(/^Revoked operator alice \(id \d+\)\.$/);
    expect((await h.cli(['operators', 'create', 'bob', '--role', 'owner'])).code).toBe(2);
  });

  it('audit lists who did what with the note; bulk replay without --note is a usage error', async () => {
    expect((await h.cli(['replay', 'ops-co', '--failed'])).code).toBe(2);
    expect((await h.cli(['replay', 'ops-co', '--failed', '--note', 'after the outage'])).code).toBe(0);
    const res = await h.cli(['audit', '--tenant', 'ops-co', '--action', 'records.replay', '--json']);
    expect(res.code).toBe(0);
    const { entries } = JSON.parse(res.stdout) as AuditListResponse;
    expect(entries.map((e) => [e.actor.name, e.action, e.count, e.note])).toEqual([
      ['local', 'records.replay', 0, 'after the outage'],
    ]);
    const table = await h.cli(['audit', '--actor', 'local']);
    expect(table.stdout.split('\n')[0]).toMatch(/^WHEN\s+WHO\s+ACTION\s+TENANT\s+COUNT\s+RESULT\s+NOTE$/);
  });

  it('search finds a record by document number or customer name across tenants', async () => {
    await storeSnapshot(
      h.db.db,
      { tenantId: 'ops-co', entityType: 'invoice', externalId: 'inv-s1' },
      {
        snapshot: { id: 'inv-s1', number: 'INV-7004', customer: { id: 'c1', displayName: 'Jane Roe' } },
        occurredAt: new Date(),
        eventId: 'evt-s1',
      },
    );
    const res = await h.cli(['search', 'INV-7004', '--json']);
    expect((JSON.parse(res.stdout) as RecordSearchResponse).records.map((r) => r.externalId)).toEqual(['inv-s1']);
    const byName = await h.cli(['search', 'jane', 'roe']);
    expect(byName.stdout).toMatch(/ops-co\s+invoice\s+inv-s1/);
  });

  it('health says which part is down (no worker yet: exit 1) and is fine once a worker beats', async () => {
    const before = await h.cli(['health']);
    expect(before.code).toBe(1);
    expect(before.stdout).toMatch(/postgresql\s+ok\s+[\d.]+ ms/);
    expect(before.stdout).toMatch(/redis\s+ok/);
    expect(before.stdout).toContain('no worker has sent a heartbeat');
    const now = new Date().toISOString();
    await writeHeartbeat(h.redis, h.config.queuePrefix, {
      id: 'w:1',
      host: 'w',
      pid: 1,
      startedAt: now,
      lastSeenAt: now,
      concurrency: 5,
    });
    const after = await h.cli(['health']);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/worker w:1\s+ok/);
  });

  it('queues (and stats) show the backlog per queue and state', async () => {
    const res = await h.cli(['queues']);
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^inbox: \d+ events? not processed yet/);
    expect(res.stdout).toMatch(/QUEUE\s+WAITING\s+PRIORITIZED\s+ACTIVE\s+DELAYED\s+FAILED\s+COMPLETED/);
    expect(res.stdout).toMatch(/invoice\.sync\s+\d+/);
    const json = JSON.parse((await h.cli(['stats', '--json'])).stdout) as { backlog: { queues: unknown[] } };
    expect(json.backlog.queues).toHaveLength(JOB_NAMES.length);
  });
});
