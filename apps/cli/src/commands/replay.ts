import { SyncEntityType, SyncStatus } from '@qbo-sync/contracts';
import { manualSync, replayMany, replayOne } from '../admin.js';
import { defineCommand, oneOf } from '../command.js';
import { UsageError } from '../errors.js';
import { parseWhen } from '../time.js';

const USAGE =
  'qbo-sync replay <tenant> <entityType> <externalId>\nqbo-sync replay <tenant> --failed [--from <when>] [--to <when>] [--entity-type <type>] [--dated-from <day>] [--dated-to <day>] [--customer <id>] [--job <id>]';

const RANGE_OPTIONS = {
  'entity-type': { type: 'string', hint: '<type>', description: SyncEntityType.options.join(', ') },
  from: { type: 'string', hint: '<date|7d>', description: 'records that changed at or after' },
  to: { type: 'string', hint: '<date|7d>', description: 'records that changed before' },
  'dated-from': {
    type: 'string',
    hint: '<YYYY-MM-DD>',
    description: 'documents dated on or after (invoice date, payment date, refund date)',
  },
  'dated-to': { type: 'string', hint: '<YYYY-MM-DD>', description: 'documents dated on or before' },
  customer: { type: 'string', hint: '<id>', description: "the billing customer's id" },
  job: { type: 'string', hint: '<id>', description: 'the billing job or case' },
  note: { type: 'string', hint: '<why>', description: 'why (required for many records; kept in the audit log)' },
} as const;

/** A bulk action's note: required, so the audit log says why. */
function noteOf(values: { note?: string }, usage: string): string {
  if (!values.note?.trim()) throw new UsageError('Say why with --note "<why>" (kept in the audit log).', usage);
  return values.note;
}

const ISO_DAY = /^\d{4}-\d{2}-\d{2}$/;
function day(flag: string, v: string): string {
  if (!ISO_DAY.test(v) || Number.isNaN(Date.parse(`${v}T00:00:00Z`))) {
    throw new UsageError(`--${flag} must be a date YYYY-MM-DD (the document's own date), not "${v}".`);
  }
  return v;
}

/** The document window flags: what the billing system's user sees (date, customer, job/case). */
function documentWindow(values: { 'dated-from'?: string; 'dated-to'?: string; customer?: string; job?: string }) {
  return {
    ...(values['dated-from'] !== undefined ? { documentDateFrom: day('dated-from', values['dated-from']) } : {}),
    ...(values['dated-to'] !== undefined ? { documentDateTo: day('dated-to', values['dated-to']) } : {}),
    ...(values.customer !== undefined ? { customerId: values.customer } : {}),
    ...(values.job !== undefined ? { jobId: values.job } : {}),
  };
}

function range(
  values: {
    'entity-type'?: string;
    from?: string;
    to?: string;
    'dated-from'?: string;
    'dated-to'?: string;
    customer?: string;
    job?: string;
  },
  nowMs: number,
) {
  return {
    ...documentWindow(values),
    ...(values['entity-type'] !== undefined
      ? { entityType: oneOf('--entity-type', values['entity-type'], SyncEntityType.options) }
      : {}),
    ...(values.from !== undefined ? { from: parseWhen('from', values.from, nowMs) } : {}),
    ...(values.to !== undefined ? { to: parseWhen('to', values.to, nowMs) } : {}),
  };
}

export const replay = defineCommand({
  name: 'replay',
  args: '<tenant> [<entityType> <externalId>]',
  summary: 'Queue one sync again, or every failure (--failed, or --status) of a tenant in a date range.',
  details: [
    'examples:',
    '  qbo-sync replay demo invoice inv-5001',
    '  qbo-sync replay demo --failed --from 7d --note "QuickBooks outage on Monday"',
    '  qbo-sync replay demo --failed --dated-from 2026-01-01 --dated-to 2026-03-31 --customer cust-1001 --note "March re-run"',
  ],
  options: {
    failed: { type: 'boolean', description: 'replay every failed record (in the range)' },
    status: { type: 'string', hint: '<status>', description: 'replay records with this status instead' },
    ...RANGE_OPTIONS,
  },
  positionals: { min: 1, max: 3 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', entityType, externalId] = positionals;
    const bulk = values.failed === true || values.status !== undefined;
    if (entityType !== undefined) {
      if (externalId === undefined) throw new UsageError('Give both <entityType> and <externalId>.', USAGE);
      if (Object.keys(range(values, ctx.now())).length > 0 || bulk) {
        throw new UsageError('Replay one record or a range (--failed / --status …), not both.', USAGE);
      }
      const type = oneOf('entityType', entityType, SyncEntityType.options);
      const result = await replayOne(ctx.api, tenantId, type, externalId, values.note);
      if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
      else ctx.out.out(`Queued ${type} ${externalId} again (job ${result.jobId}).`);
      return 0;
    }
    if (!bulk) throw new UsageError('Say what to replay: <entityType> <externalId>, or --failed.', USAGE);
    if (values.failed && values.status !== undefined && values.status !== 'failed') {
      throw new UsageError('Use --failed or --status <status>, not both.', USAGE);
    }
    const status = values.status === undefined ? 'failed' : oneOf('--status', values.status, SyncStatus.options);
    const result = await replayMany(ctx.api, tenantId, {
      status,
      ...range(values, ctx.now()),
      note: noteOf(values, USAGE),
    });
    if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
    else
      ctx.out.out(
        `Queued ${result.replayed} ${status} record${result.replayed === 1 ? '' : 's'} of ${tenantId} again.`,
      );
    return 0;
  },
});

export const sync = defineCommand({
  name: 'sync',
  args: '<tenant>',
  summary: 'Manual sync window: queue the tenant’s needs_sync records (tenants with auto-sync off).',
  details: [
    'example (invoices of March for one case):',
    '  qbo-sync sync demo --entity-type invoice --dated-from 2026-03-01 --dated-to 2026-03-31 --job CASE-7 --note "March close"',
  ],
  options: RANGE_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [tenantId = ''] = positionals;
    const result = await manualSync(ctx.api, tenantId, {
      ...range(values, ctx.now()),
      note: noteOf(values, 'qbo-sync sync <tenant> --note <why> [--entity-type <type>] [--from <when>] [--to <when>]'),
    });
    if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
    else ctx.out.out(`Queued ${result.queued} record${result.queued === 1 ? '' : 's'} of ${tenantId} for syncing.`);
    return 0;
  },
});
