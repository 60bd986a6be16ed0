import { join, relative } from 'node:path';
import { type Context, defineCommand, oneOf, positiveInt } from '../command.js';
import { DEMO_REALM_ID, type DemoTenantResult, ensureDemoTenant, resetDemoTenant } from '../demo/setup.js';
import { UsageError } from '../errors.js';
import { DEMO_TENANT_ID, exampleFileName } from '../examples.js';
import { tenantCredentials } from '../ingest.js';
import { type LoadTarget, sendTenantLoad } from '../load/run.js';
import { table } from '../output.js';

export const demoSetup = defineCommand({
  name: 'demo setup',
  args: '',
  summary:
    'Create (once) the demo tenant, connect it to the local sandbox’s demo company through the real OAuth flow, ' +
    'map the demo items, payment methods and accounts, and print its API key and signing secret.',
  details: [
    'Safe to run again: it reuses what exists.',
    '`npm start` runs it with --reset, because the local sandbox keeps its companies in memory: each start has a ' +
      'fresh demo company, so the demo tenant starts fresh too.',
  ],
  options: {
    reset: {
      type: 'boolean',
      description: 'delete the demo tenant (its mappings and sync records) first and set it up anew',
    },
    tenant: { type: 'string', hint: '<id>', description: `tenant id (default ${DEMO_TENANT_ID})` },
    realm: {
      type: 'string',
      hint: '<realmId|new>',
      description: `sandbox company (default ${DEMO_REALM_ID}, the demo company)`,
    },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const tenantId = values.tenant ?? DEMO_TENANT_ID;
    if (values.reset === true) await resetDemoTenant(ctx, tenantId);
    const result = await ensureDemoTenant(ctx, {
      tenantId,
      name: tenantId === DEMO_TENANT_ID ? 'Demo Moving Co.' : `Demo ${tenantId}`,
      realm: values.realm ?? DEMO_REALM_ID,
    });
    if (ctx.json) {
      ctx.out.out(JSON.stringify(result, null, 2));
      return 0;
    }
    printSetup(ctx, result);
    return 0;
  },
});

function printSetup(ctx: Context, r: DemoTenantResult): void {
  const example = relative(process.cwd(), join(ctx.examplesDir, exampleFileName('invoice.sent')));
  const tenantLine = {
    created: 'created',
    saved: 'exists (saved credentials reused)',
    rotated: 'exists (new API key issued and saved)',
  }[r.credentialsFrom];
  const out = ctx.out.out;
  out(`Demo tenant "${r.tenantId}" ${tenantLine}.`);
  out(
    `  QuickBooks:     ${r.connection === 'already' ? 'already connected' : 'connected'} to sandbox company ${r.realmId}`,
  );
  out(
    `  mappings:       ${r.mappingsTotal} (${r.mappingsChanged === 0 ? 'all in place' : `${r.mappingsChanged} set now`})`,
  );
  if (r.created.length) out(`  created in QBO: ${r.created.join(', ')}`);
  if (r.mappingsSkipped.length) {
    out(`  not mapped:     ${r.mappingsSkipped.join(', ')} (nothing to map to; invoices with tax will wait for it)`);
  }
  out(`  api key:        ${r.credentials.apiKey}`);
  out(`  signing secret: ${r.credentials.signingSecret}`);
  out(`  saved in:       ${ctx.credentials.file}`);
  out('Send an example invoice and watch it sync:');
  out(`  ${ctx.invocation} send ${r.tenantId} ${example}`);
  out(`  ${ctx.invocation} status ${r.tenantId}`);
}

export const demoLoad = defineCommand({
  name: 'demo load',
  args: '',
  summary:
    'Generate realistic signed load — customers, invoices, payments — for demo tenants (set up like `demo setup`), ' +
    'and report ingest counts and rate.',
  details: [
    `Tenants: ${DEMO_TENANT_ID}, ${DEMO_TENANT_ID}-2, … (the extra ones each get a fresh seeded sandbox company).`,
    'Ids carry a run id, so each run is new load; repeat a run with --run-id to measure duplicates.',
  ],
  options: {
    invoices: { type: 'string', hint: '<n>', description: 'invoices per tenant (default 100)' },
    tenants: { type: 'string', hint: '<m>', description: 'number of tenants (default 1)' },
    payments: { type: 'string', hint: '<0..1>', description: 'share of invoices that get a payment (default 0.6)' },
    source: { type: 'string', hint: 'live|backfill', description: 'event source (default live)' },
    concurrency: { type: 'string', hint: '<n>', description: 'batches in flight per tenant (default 4)' },
    'batch-size': { type: 'string', hint: '<n>', description: 'events per request (default: API maximum)' },
    seed: { type: 'string', hint: '<n>', description: 'generator seed (default 1)' },
    'run-id': { type: 'string', hint: '<id>', description: 'id prefix (default: derived from the time)' },
    'skip-setup': { type: 'boolean', description: 'use saved credentials; do not create, connect or map' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const invoices = positiveInt('invoices', values.invoices, 100);
    const tenantCount = positiveInt('tenants', values.tenants, 1);
    const concurrency = positiveInt('concurrency', values.concurrency, 4);
    const batchSize =
      values['batch-size'] === undefined ? undefined : positiveInt('batch-size', values['batch-size'], 1);
    const seed = positiveInt('seed', values.seed, 1);
    const source = oneOf('--source', values.source ?? 'live', ['live', 'backfill'] as const);
    const paymentShare = values.payments === undefined ? 0.6 : Number(values.payments);
    if (!/^(0(\.\d+)?|1(\.0+)?)$/.test(values.payments ?? '0.6')) {
      throw new UsageError(`--payments takes a share between 0 and 1, e.g. 0.6, not "${values.payments}".`);
    }
    const runId = values['run-id'] ?? `r${ctx.now().toString(36)}`;
    if (!/^[a-z0-9-]{1,12}$/.test(runId)) {
      throw new UsageError('--run-id takes 1-12 lowercase letters, digits or dashes (it prefixes every id).');
    }

    const ids = Array.from({ length: tenantCount }, (_, i) =>
      i === 0 ? DEMO_TENANT_ID : `${DEMO_TENANT_ID}-${i + 1}`,
    );
    const targets: LoadTarget[] = [];
    for (const [i, tenantId] of ids.entries()) {
      if (values['skip-setup']) {
        targets.push({ tenantId, credentials: await tenantCredentials(ctx, tenantId) });
        continue;
      }
      const ready = await ensureDemoTenant(ctx, {
        tenantId,
        name: i === 0 ? 'Demo Moving Co.' : `Demo load tenant ${i + 1}`,
        realm: i === 0 ? DEMO_REALM_ID : 'new',
      });
      targets.push({ tenantId, credentials: ready.credentials });
    }

    const started = ctx.now();
    const occurredAt = new Date(started).toISOString();
    const reports = await Promise.all(
      targets.map((target, i) =>
        sendTenantLoad(
          ctx.api,
          target,
          {
            tenantId: target.tenantId,
            invoices,
            runId,
            seed: seed + i,
            paymentShare,
            source,
            startDate: occurredAt.slice(0, 10),
            occurredAt,
          },
          { concurrency, batchSize, now: ctx.now },
        ),
      ),
    );
    const ms = Math.max(1, ctx.now() - started);
    const total = reports.reduce(
      (t, r) => ({
        events: t.events + r.events,
        accepted: t.accepted + r.accepted,
        duplicate: t.duplicate + r.duplicate,
        rejected: t.rejected + r.rejected,
      }),
      { events: 0, accepted: 0, duplicate: 0, rejected: 0 },
    );
    const rate = Math.round((total.events * 1000) / ms);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ runId, reports, total: { ...total, ms, eventsPerSecond: rate } }, null, 2));
    } else {
      const rows = reports.map((r) => [r.tenantId, r.events, r.accepted, r.duplicate, r.rejected, `${r.ms} ms`]);
      rows.push(['total', total.events, total.accepted, total.duplicate, total.rejected, `${ms} ms`]);
      for (const line of table(['tenant', 'events', 'accepted', 'duplicate', 'rejected', 'time'], rows)) {
        ctx.out.out(line);
      }
      ctx.out.out(`run ${runId}: ${invoices} invoices per tenant, ${rate} events/s ingested (${source}).`);
      ctx.out.out(`Watch them sync: ${ctx.invocation} status ${DEMO_TENANT_ID}   or ${ctx.config.apiUrl}/admin/queues`);
    }
    return total.rejected > 0 ? 1 : 0;
  },
});
