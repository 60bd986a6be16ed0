// Benchmarks of the whole pipeline, in one process on this machine: signed HTTP ingest -> inbox ->
// BullMQ -> worker -> local QBO sandbox -> sync record. Run: `pnpm --filter @qbo-sync/tests bench`.
//   throughput: QBO limits lifted, so the figure is our own overhead (QBO's 500/min per company is the
//               real ceiling in production: about 3.7 invoices/s per company at ~2 requests each).
//   fairness:   QBO limits scaled to 60 requests per 2 s; tenant A backfills, then tenant B (another company)
//               and A itself send live invoices; their latency shows priorities and per-realm budgets at work.
import { type Harness, startHarness, type Tenant } from '../support/harness.js';

let seq = 0;
/** A sent invoice with two mapped lines; customers repeat every 50 invoices, as real ones do. */
function invoiceSentEvent(tenantId: string, n: number, source: 'live' | 'backfill' = 'live') {
  seq++;
  return {
    id: `evt-${tenantId}-inv-${n}-${seq}`,
    type: 'invoice.sent',
    version: 1,
    tenantId,
    occurredAt: new Date(Date.UTC(2026, 10, 1) + n * 1000).toISOString(),
    source,
    data: {
      id: `INV-${n}`,
      number: `${1000 + n}`,
      status: 'sent',
      issueDate: '2026-11-01',
      currency: 'USD',
      customer: {
        id: `C-${n % 50}`,
        firstName: 'Pat',
        lastName: `Customer${n % 50}`,
        email: `pat${n % 50}@example.com`,
      },
      lines: [
        { id: 'L1', itemId: 'ITM-LABOR', quantity: '3', unitPrice: '95.00', amount: '285.00' },
        { id: 'L2', itemId: 'ITM-PACK', quantity: '12', unitPrice: '2.49', amount: '29.88' },
      ],
      totals: { subtotal: '314.88', tax: '0.00', total: '314.88' },
    },
  };
}

const arg = (name: string, fallback: number) => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split('=')[1]) : fallback;
};

async function syncedCount(stack: Harness, tenantId?: string): Promise<number> {
  const rows = tenantId
    ? await stack.db.sql<
        { n: string }[]
      >`select count(*) n from sync_records where entity_type = 'invoice' and status = 'synced' and tenant_id = ${tenantId}`
    : await stack.db.sql<
        { n: string }[]
      >`select count(*) n from sync_records where entity_type = 'invoice' and status = 'synced'`;
  return Number(rows[0]?.n ?? 0);
}

async function waitSynced(stack: Harness, want: number, tenantId?: string, timeoutMs = 600_000) {
  const deadline = Date.now() + timeoutMs;
  while ((await syncedCount(stack, tenantId)) < want) {
    if (Date.now() > deadline) throw new Error(`only ${await syncedCount(stack, tenantId)} of ${want} synced`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

async function sendBatches(stack: Harness, tenant: Tenant, events: unknown[], size = 100) {
  for (let i = 0; i < events.length; i += size) {
    const res = await stack.post(tenant.id, '/v1/events:batch', { events: events.slice(i, i + size) });
    if (!res.ok) throw new Error(`batch rejected: ${res.status} ${await res.text()}`);
  }
}

async function throughput() {
  const tenants = arg('tenants', 4);
  const perTenant = arg('invoices', 250);
  const stack = await startHarness('bench', {
    sandbox: { limits: { requestsPerWindow: 1_000_000, maxConcurrent: 100, batchPerWindow: 100_000 } },
    env: { QBO_RATE_LIMIT_PER_WINDOW: '1000000', QBO_MAX_CONCURRENT_PER_REALM: '10' },
    workerConcurrency: 20,
    startWorker: false,
  });
  try {
    const ts: Tenant[] = [];
    for (let i = 0; i < tenants; i++) ts.push(await stack.tenant({}, { id: `bench-${i}` }));
    const t0 = performance.now();
    await Promise.all(
      ts.map((t) =>
        sendBatches(
          stack,
          t,
          Array.from({ length: perTenant }, (_, n) => invoiceSentEvent(t.id, n)),
        ),
      ),
    );
    const ingested = performance.now();
    stack.app.start();
    await waitSynced(stack, tenants * perTenant);
    const done = performance.now();
    let requests = 0;
    for (const t of ts)
      requests += ((await stack.admin(`/realms/${t.realmId}/stats`)) as { requests: number }).requests;
    const total = tenants * perTenant;
    console.log(`throughput: ${tenants} tenants × ${perTenant} invoices = ${total} invoice.sent events`);
    console.log(
      `  ingest (signed HTTP batches of 100, worker idle): ${(total / ((ingested - t0) / 1000)).toFixed(0)} events/s`,
    );
    console.log(
      `  sync (queued -> synced in QBO, 20 per queue):   ${(total / ((done - ingested) / 1000)).toFixed(1)} invoices/s, ${((done - ingested) / 1000).toFixed(1)} s`,
    );
    console.log(`  QBO requests per invoice:       ${(requests / total).toFixed(2)} (customers shared: 50 per tenant)`);
  } finally {
    await stack.close();
  }
}

async function fairness() {
  const backlog = arg('backlog', 200);
  const stack = await startHarness('fair', {
    sandbox: { limits: { requestsPerWindow: 60, windowMs: 2000, maxConcurrent: 10 } },
    env: { QBO_RATE_LIMIT_PER_WINDOW: '54', QBO_RATE_WINDOW_MS: '2000', QBO_MAX_CONCURRENT_PER_REALM: '8' },
    workerConcurrency: 20,
  });
  try {
    const a = await stack.tenant({}, { id: 'tenant-a' });
    const b = await stack.tenant({}, { id: 'tenant-b' });
    await sendBatches(
      stack,
      a,
      Array.from({ length: backlog }, (_, n) => invoiceSentEvent(a.id, n, 'backfill')),
    );
    await new Promise((r) => setTimeout(r, 1500));
    const latency = async (t: Tenant, n: number) => {
      const start = performance.now();
      const before = await syncedCount(stack, t.id);
      const res = await stack.post(t.id, '/v1/events', invoiceSentEvent(t.id, n));
      if (!res.ok) throw new Error(await res.text());
      await waitSynced(stack, before + 1, t.id);
      return performance.now() - start;
    };
    const bLat: number[] = [];
    for (let i = 0; i < 5; i++) bLat.push(await latency(b, 10_000 + i));
    const aLive = await latency(a, 20_000);
    const aBacklogDone = await syncedCount(stack, a.id);
    const statsA = (await stack.admin(`/realms/${a.realmId}/stats`)) as { throttled429: number };
    console.log(`fairness: tenant A backfills ${backlog} invoices under a scaled QBO limit (60 req / 2 s, budget 54)`);
    console.log(`  tenant B live invoice latency:  ${bLat.map((x) => x.toFixed(0)).join(', ')} ms`);
    console.log(
      `  tenant A live invoice latency:  ${aLive.toFixed(0)} ms (A's backfill synced so far: ${aBacklogDone - 1}/${backlog})`,
    );
    console.log(`  429s from QBO for tenant A:     ${statsA.throttled429}`);
    if (process.env.BENCH_DEBUG) {
      console.log(JSON.stringify(statsA));
      console.log(
        await stack.db
          .sql`select status, reason_code, count(*) from sync_records where tenant_id = 'tenant-a' group by 1, 2`,
      );
      for (const q of ['invoice.sync', 'customer.sync']) {
        console.log(q, await stack.producer.queues[q as 'invoice.sync'].getJobCounts());
      }
    }
  } finally {
    await stack.close();
  }
}

const which = process.argv[2] ?? 'all';
if (which === 'all' || which === 'throughput') await throughput();
if (which === 'all' || which === 'fairness') await fairness();
process.exit(0);
