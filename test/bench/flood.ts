// Fairness under a flood (issue 19): tenant A sends N invoice events at once (live, or as a backfill) while
// tenants B–E each send one live invoice a second; every company has its own QBO limits (the sandbox
// enforcing 500 per window and 10 at once, our budget 450 per window). Reports B–E's time from accepted
// (inbox received_at) to synced (sync_records.synced_at), p50/p99/max, A's time to drain against its
// budget's minimum, deferrals per synced object and HTTP 429s.
//   cd test && npx tsx bench/flood.ts --flood=10000 --source=live [--window=60000] [--label=branch]
// --window scales Intuit's minute (e.g. 6000: ten times faster, same ratios); the per-second burst window
// is scaled with it.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMetricsRegistry } from '@qbo-sync/observability';
import { customer, event, type Harness, invoiceData, startHarness, type Tenant } from '../support/harness.js';
import { sandboxProcess } from './sandbox-process.js';

const here = dirname(fileURLToPath(import.meta.url));
const arg = (name: string, fallback: string) =>
  process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const N = Number(arg('flood', '10000'));
const SOURCE = arg('source', 'live') === 'backfill' ? 'backfill' : 'live';
const W = Number(arg('window', '60000'));
const LABEL = arg('label', 'branch');
const TICKERS = 4;
/** Keep B–E ticking at least this long (--min-seconds; with --flood=0 it is the no-flood baseline). */
const MIN_SECONDS = Number(arg('min-seconds', '0'));
const loadAtStart = os.loadavg()[0] ?? 0;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

function invoice(t: Tenant, id: string, source: 'live' | 'backfill') {
  return { ...event(t.id, 'invoice.sent', invoiceData({ id, number: id, customer: customer('C-1') })), source };
}

async function syncedCount(h: Harness, tenantId: string): Promise<number> {
  const rows = await h.db.sql<{ n: string }[]>`
    select count(*) n from sync_records where tenant_id = ${tenantId} and entity_type = 'invoice' and status = 'synced'`;
  return Number(rows[0]?.n ?? 0);
}

/** Sends A's flood in batches of 100 as its billing system would, honouring a 429's Retry-After. */
async function sendFlood(h: Harness, a: Tenant, events: unknown[]): Promise<{ refused: number }> {
  let refused = 0;
  for (let i = 0; i < events.length; ) {
    const res = await h.post(a.id, '/v1/events:batch', { events: events.slice(i, i + 100) });
    if (res.status === 429) {
      refused++;
      await sleep(Number(res.headers.get('retry-after') ?? '1') * 1000);
      continue;
    }
    if (!res.ok) throw new Error(`batch rejected: ${res.status} ${await res.text()}`);
    i += 100;
  }
  return { refused };
}

async function main() {
  const registry = createMetricsRegistry('bench-flood');
  const sandbox = await sandboxProcess();
  const h = await startHarness('bench-flood', {
    externalSandbox: sandbox,
    qboLimits: { perWindow: 450, windowMs: W, burst: { perWindow: 8, windowMs: Math.round((1000 * W) / 60_000) } },
    workerConcurrency: 20,
    metrics: registry,
  });
  try {
    const tenants: Tenant[] = [];
    for (let i = 0; i < 1 + TICKERS; i++) tenants.push(await h.tenant());
    for (const t of tenants) {
      await h.admin(`/realms/${t.realmId}/limits`, { requestsPerWindow: 500, windowMs: W, maxConcurrent: 10 }, 'PUT');
    }
    const [a, ...others] = tenants as [Tenant, ...Tenant[]];
    for (const t of tenants) await h.map(t.id, 'customer', 'C-1', t.seeded.customers[0]?.id ?? '');
    // Warm-up: each company's preferences read and first sync, outside the figure.
    for (const t of tenants) await h.publish(invoice(t, 'WARM', 'live'));
    for (const t of tenants) await h.waitStatus(t.id, 'invoice', 'WARM', 'synced', 120_000);
    for (const t of tenants) await h.admin(`/realms/${t.realmId}/stats`, undefined, 'DELETE');
    const deferralsBefore = await deferrals(registry);

    let ticks = 0;
    let stop = false;
    const ticking = (async () => {
      while (!stop) {
        ticks++;
        const k = ticks;
        for (const t of others) void h.publish(invoice(t, `LIVE-${k}`, 'live')).catch((err) => console.error(err));
        await sleep(1_000);
      }
    })();
    await sleep(3_000);
    const floodEvents = Array.from({ length: N }, (_, i) => invoice(a, `A-${i}`, SOURCE));
    const t0 = performance.now();
    const ingest = await sendFlood(h, a, floodEvents);
    const ingestMs = performance.now() - t0;
    while ((await syncedCount(h, a.id)) < N + 1) await sleep(250);
    const aMs = performance.now() - t0;
    while (performance.now() - t0 < MIN_SECONDS * 1000) await sleep(250);
    await sleep(3_000);
    stop = true;
    await ticking;
    for (const t of others) {
      for (let k = 1; k <= ticks; k++) await h.waitStatus(t.id, 'invoice', `LIVE-${k}`, 'synced', 600_000);
    }
    const lat = await h.db.sql<{ ms: number }[]>`
      select extract(epoch from (r.synced_at - i.received_at)) * 1000 as ms
      from sync_records r join inbox_events i on i.tenant_id = r.tenant_id and i.event_id = r.last_event_id
      where r.tenant_id in ${h.db.sql(others.map((t) => t.id))} and r.external_id like 'LIVE-%'`;
    const sorted = lat.map((r) => Number(r.ms)).sort((x, y) => x - y);
    const d = await deferrals(registry);
    const deferred = d.total - deferralsBefore.total;
    const synced = N + TICKERS * ticks;
    const aStats = (await h.admin(`/realms/${a.realmId}/stats`)) as { requests: number; throttled429: number };
    let others429 = 0;
    for (const t of others)
      others429 += ((await h.admin(`/realms/${t.realmId}/stats`)) as { throttled429: number }).throttled429;
    const minimumMs = (N / 450) * W;
    const rows: [string, string | number][] = [
      ['build', LABEL],
      ['flood', `${N} invoice.sent of tenant A, source ${SOURCE}; tenants B–E one live invoice a second each`],
      [
        'QBO limits per company',
        `sandbox 500 per ${W} ms and 10 at once; our budget 450 per ${W} ms, 8 per ${Math.round((1000 * W) / 60_000)} ms`,
      ],
      ['B–E accepted → synced, p50', `${Math.round(pct(sorted, 50))} ms`],
      ['B–E accepted → synced, p99', `${Math.round(pct(sorted, 99))} ms`],
      ['B–E accepted → synced, max', `${Math.round(sorted.at(-1) ?? 0)} ms`],
      ['B–E invoices measured', sorted.length],
      [
        'B–E over 2 s',
        `${sorted.filter((x) => x > 2_000).length} (${((100 * sorted.filter((x) => x > 2_000).length) / Math.max(1, sorted.length)).toFixed(1)}%)`,
      ],
      [
        'A: flood sent (ingest, incl. 429 waits)',
        `${(ingestMs / 1000).toFixed(1)} s, ${ingest.refused} batches refused with 429`,
      ],
      ['A: all synced after', `${(aMs / 1000).toFixed(1)} s`],
      [
        'A: budget minimum (N ÷ 450 per window)',
        `${(minimumMs / 1000).toFixed(1)} s (${(aMs / minimumMs).toFixed(2)}×)`,
      ],
      ['A: QBO requests', aStats.requests],
      [
        'deferrals (realm_budget + qbo_throttled)',
        `${deferred} = ${(deferred / synced).toFixed(3)} per synced object (${synced})`,
      ],
      ['deferrals by reason', JSON.stringify(d.byReason)],
      ['HTTP 429 from QBO (A / B–E)', `${aStats.throttled429} / ${others429}`],
    ];
    const at = new Date().toISOString();
    const note = `Node ${process.version}, ${os.cpus().length} cores, load average ${loadAtStart.toFixed(2)} at the start`;
    const md = [
      `### Flood fairness (${LABEL}, ${SOURCE}, ${N})`,
      '',
      `\`npx tsx bench/flood.ts --flood=${N} --source=${SOURCE} --window=${W} --label=${LABEL}${MIN_SECONDS ? ` --min-seconds=${MIN_SECONDS}` : ''}\` — ${at.slice(0, 16)}Z, ${note}`,
      '',
      '| measure | value |',
      '|---|---|',
      ...rows.map(([k, v]) => `| ${k} | ${v} |`),
      '',
    ].join('\n');
    const dir = join(here, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, `flood-${LABEL}-${SOURCE}-${N}.md`), md);
    await writeFile(
      join(dir, `flood-${LABEL}-${SOURCE}-${N}.json`),
      `${JSON.stringify({ at, note, rows: Object.fromEntries(rows), latenciesMs: sorted }, null, 2)}\n`,
    );
    console.log(md);
  } finally {
    await h.close();
    await sandbox.close();
  }
}

async function deferrals(registry: ReturnType<typeof createMetricsRegistry>) {
  const metric = await registry.getSingleMetric('qbo_sync_deferrals_total')?.get();
  const byReason: Record<string, number> = {};
  for (const v of metric?.values ?? []) byReason[String(v.labels['reason'])] = v.value;
  return { total: (byReason['realm_budget'] ?? 0) + (byReason['qbo_throttled'] ?? 0), byReason };
}

await main();
process.exit(0);
