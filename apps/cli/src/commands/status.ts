import { SyncEntityType, type SyncRecordView, SyncStatus } from '@qbo-sync/contracts';
import { getRecord, listRecords } from '../admin.js';
import { type Context, defineCommand, oneOf, positiveInt } from '../command.js';
import { UsageError } from '../errors.js';
import { fields, table } from '../output.js';
import { ago, parseWhen } from '../time.js';

/** The API's largest page; --limit above it is served by following nextCursor. */
const PAGE = 500;

async function showList(
  ctx: Context,
  tenantId: string,
  values: { status?: string; 'entity-type'?: string; since?: string; until?: string; limit?: string },
): Promise<number> {
  const limit = positiveInt('limit', values.limit, 50);
  const filter = {
    status: values.status === undefined ? undefined : oneOf('--status', values.status, SyncStatus.options),
    entityType:
      values['entity-type'] === undefined
        ? undefined
        : oneOf('--entity-type', values['entity-type'], SyncEntityType.options),
    from: values.since === undefined ? undefined : parseWhen('since', values.since, ctx.now()),
    to: values.until === undefined ? undefined : parseWhen('until', values.until, ctx.now()),
  };
  const records: SyncRecordView[] = [];
  let cursor: string | undefined;
  do {
    const page = await listRecords(ctx.api, tenantId, {
      ...filter,
      limit: Math.min(PAGE, limit - records.length),
      cursor,
    });
    records.push(...page.records);
    cursor = page.nextCursor;
  } while (cursor && records.length < limit);

  if (ctx.json) {
    ctx.out.out(JSON.stringify({ records, ...(cursor ? { nextCursor: cursor } : {}) }, null, 2));
    return 0;
  }
  if (records.length === 0) {
    ctx.out.out(`No sync records for ${tenantId}${filter.status ? ` with status ${filter.status}` : ''}.`);
    return 0;
  }
  const rows = records.map((r) => [
    r.entityType,
    r.externalId,
    r.status,
    r.docNumber,
    r.qboId,
    ago(r.updatedAt, ctx.now()),
    r.reason,
  ]);
  for (const line of table(['type', 'external id', 'status', 'doc #', 'qbo id', 'updated', 'reason'], rows)) {
    ctx.out.out(line);
  }
  if (cursor) ctx.out.out(`… more records: raise --limit (showing ${records.length}).`);
  return 0;
}

async function showOne(ctx: Context, tenantId: string, entityTypeArg: string, externalId: string): Promise<number> {
  const entityType = oneOf('entityType', entityTypeArg, SyncEntityType.options);
  const detail = await getRecord(ctx.api, tenantId, entityType, externalId);
  if (ctx.json) {
    ctx.out.out(JSON.stringify(detail, null, 2));
    return 0;
  }
  const r = detail.record;
  for (const line of fields([
    ['record', `${r.entityType} ${r.externalId} (tenant ${r.tenantId})`],
    ['status', r.status],
    ['reason', r.reason ? `${r.reason}${r.reasonCode ? ` [${r.reasonCode}]` : ''}` : null],
    ['waiting for', r.waitingFor],
    ['qbo id', r.qboId],
    ['doc number', r.docNumber],
    ['view in QBO', r.qboUrl],
    ['last event', r.lastEventId],
    ['synced', r.syncedAt],
    ['updated', r.updatedAt],
  ])) {
    ctx.out.out(line);
  }
  if (r.details !== null && r.details !== undefined) ctx.out.out(`details:     ${JSON.stringify(r.details)}`);
  ctx.out.out('');
  if (detail.attempts.length === 0) {
    ctx.out.out('No attempts yet.');
  } else {
    const rows = detail.attempts.map((a) => [
      a.attempt,
      a.finishedAt,
      a.outcome,
      a.status,
      a.faultCode,
      a.retryable === null ? null : a.retryable ? 'yes' : 'no',
      a.message,
    ]);
    for (const line of table(['#', 'finished', 'outcome', 'status', 'fault', 'retryable', 'message'], rows, 80)) {
      ctx.out.out(line);
    }
  }
  if (r.status === 'failed' || r.status === 'conflict') {
    ctx.out.out('');
    ctx.out.out(`Replay it with: ${ctx.invocation} replay ${tenantId} ${r.entityType} ${r.externalId}`);
  }
  return 0;
}

export const status = defineCommand({
  name: 'status',
  args: '<tenant> [<entityType> <externalId>]',
  summary: 'Sync records of a tenant as a table (filter by status and time), or one record with its attempt history.',
  details: [
    'examples:',
    '  qbo-sync status demo --status failed --since 7d',
    '  qbo-sync status demo invoice inv-5001',
  ],
  options: {
    status: { type: 'string', hint: '<status>', description: `one of ${SyncStatus.options.join(', ')}` },
    'entity-type': { type: 'string', hint: '<type>', description: SyncEntityType.options.join(', ') },
    since: { type: 'string', hint: '<date|24h|7d>', description: 'changed at or after' },
    until: { type: 'string', hint: '<date|24h|7d>', description: 'changed before' },
    limit: { type: 'string', hint: '<n>', description: 'at most this many records (default 50)' },
  },
  positionals: { min: 1, max: 3 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', entityType, externalId] = positionals;
    if (entityType === undefined) return showList(ctx, tenantId, values);
    if (externalId === undefined) {
      throw new UsageError(
        'Give both <entityType> and <externalId> for one record, or neither for the list.',
        'qbo-sync status <tenant> [<entityType> <externalId>]',
      );
    }
    return showOne(ctx, tenantId, entityType, externalId);
  },
});
