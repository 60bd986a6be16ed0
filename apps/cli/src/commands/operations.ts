import { AuditAction, OperatorRole } from '@qbo-sync/contracts';
import { createOperator, listAudit, listOperators, overview, revokeOperator, searchRecords } from '../admin.js';
import { defineCommand, oneOf, positiveInt } from '../command.js';
import { UsageError } from '../errors.js';
import { table } from '../output.js';

export const operatorsCreate = defineCommand({
  name: 'operators create',
  args: '<name>',
  summary: 'Create an operator with a role; prints their token once (only a hash is stored).',
  details: [
    'roles: read_only (look only), support (also replay, map, manual sync), admin (everything)',
    'example: qbo-sync operators create alice --role support',
  ],
  options: { role: { type: 'string', hint: `<${OperatorRole.options.join('|')}>`, description: 'required' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [name = ''] = positionals;
    if (values.role === undefined)
      throw new UsageError('Give the operator a --role.', 'qbo-sync operators create <name> --role <role>');
    const role = oneOf('--role', values.role, OperatorRole.options);
    const created = await createOperator(ctx.api, { name, role });
    if (ctx.json) {
      ctx.out.out(JSON.stringify(created, null, 2));
      return 0;
    }
    ctx.out.out(`Created operator ${created.operator.name} (${role}, id ${created.operator.id}).`);
    ctx.out.out(`token: ${created.token}`);
    ctx.out.out('It is shown only this once: hand it to them. They use it as ADMIN_TOKEN or sign in at /console.');
    return 0;
  },
});

export const operatorsList = defineCommand({
  name: 'operators list',
  args: '',
  summary: 'List operators with their role, when they last used their token, and whether it was revoked.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const { operators } = await listOperators(ctx.api);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ operators }, null, 2));
      return 0;
    }
    const rows = operators.map((o) => [o.id, o.name, o.role, o.tokenPrefix, o.lastUsedAt, o.revokedAt ?? 'active']);
    for (const line of table(['id', 'name', 'role', 'token', 'last used', 'revoked'], rows)) ctx.out.out(line);
    return 0;
  },
});

export const operatorsRevoke = defineCommand({
  name: 'operators revoke',
  args: '<id|name>',
  summary: 'Revoke an operator: their token and console sessions stop working at once.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const [who = ''] = positionals;
    let id = /^\d+$/.test(who) ? Number(who) : undefined;
    if (id === undefined) {
      const active = (await listOperators(ctx.api)).operators.find((o) => o.name === who && o.revokedAt === null);
      if (!active) throw new UsageError(`No active operator is named "${who}". qbo-sync operators list shows them.`);
      id = active.id;
    }
    const { operator } = await revokeOperator(ctx.api, id);
    if (ctx.json) ctx.out.out(JSON.stringify({ operator }, null, 2));
    else ctx.out.out(`Revoked operator ${operator.name} (id ${operator.id}).`);
    return 0;
  },
});

export const audit = defineCommand({
  name: 'audit',
  args: '',
  summary: 'The audit log: who replayed, mapped or changed what, when, how many, and why (newest first).',
  options: {
    tenant: { type: 'string', hint: '<tenant>', description: 'only this tenant' },
    actor: { type: 'string', hint: '<name>', description: 'only this operator (admin-token: the shared token)' },
    action: { type: 'string', hint: '<action>', description: AuditAction.options.join(', ') },
    limit: { type: 'string', hint: '<n>', description: 'entries (default 50)' },
  },
  positionals: { min: 0, max: 0 },
  async run(ctx, { values }) {
    const action = values.action === undefined ? undefined : oneOf('--action', values.action, AuditAction.options);
    const { entries } = await listAudit(ctx.api, {
      tenantId: values.tenant,
      actor: values.actor,
      action,
      limit: positiveInt('limit', values.limit, 50),
    });
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ entries }, null, 2));
      return 0;
    }
    const rows = entries.map((e) => [e.at, e.actor.name, e.action, e.tenantId, e.count, e.result, e.note]);
    for (const line of table(['when', 'who', 'action', 'tenant', 'count', 'result', 'note'], rows)) ctx.out.out(line);
    return 0;
  },
});

export const search = defineCommand({
  name: 'search',
  args: '<words…>',
  summary: 'Find sync records by billing id, document number, customer name or e-mail, QBO id or event id.',
  details: ['examples:', '  qbo-sync search INV-7004', '  qbo-sync search john brown --tenant demo'],
  options: {
    tenant: { type: 'string', hint: '<tenant>', description: 'only this tenant (default: every tenant)' },
    limit: { type: 'string', hint: '<n>', description: 'records (default 50)' },
  },
  positionals: { min: 1, max: 10 },
  async run(ctx, { positionals, values }) {
    const { records } = await searchRecords(
      ctx.api,
      positionals.join(' '),
      values.tenant,
      positiveInt('limit', values.limit, 50),
    );
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ records }, null, 2));
      return 0;
    }
    if (records.length === 0) {
      ctx.out.out('Nothing matches. Search whole words: an id, a document number, an e-mail, a name.');
      return 0;
    }
    const rows = records.map((r) => [r.tenantId, r.entityType, r.externalId, r.docNumber, r.status, r.qboId, r.reason]);
    for (const line of table(['tenant', 'type', 'id', 'doc', 'status', 'qbo id', 'reason'], rows)) ctx.out.out(line);
    return 0;
  },
});

export const health = defineCommand({
  name: 'health',
  args: '',
  summary: 'Is everything up? The API, PostgreSQL, Redis and every worker (heartbeats); exit 1 when not.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const o = await overview(ctx.api);
    const { api, postgres, redis, workers } = o.health;
    const down = [postgres, redis].some((x) => x.status !== 'ok') || workers.every((w) => w.status !== 'ok');
    if (ctx.json) {
      ctx.out.out(JSON.stringify(o.health, null, 2));
      return down ? 1 : 0;
    }
    const line = (name: string, h: typeof api) => [
      name,
      h.status,
      h.latencyMs === null ? null : `${h.latencyMs} ms`,
      h.error,
    ];
    const rows = [line('api', api), line('postgresql', postgres), line('redis', redis)];
    for (const w of workers) rows.push([`worker ${w.id}`, w.status, `last seen ${w.lastSeenAt}`, null]);
    if (workers.length === 0) rows.push(['workers', 'down', null, 'no worker has sent a heartbeat']);
    for (const l of table(['part', 'status', 'detail', 'error'], rows)) ctx.out.out(l);
    return down ? 1 : 0;
  },
});

async function queuesRun(ctx: Parameters<typeof health.run>[0]): Promise<number> {
  const o = await overview(ctx.api);
  if (ctx.json) {
    ctx.out.out(JSON.stringify({ backlog: o.backlog, companies: o.companies }, null, 2));
    return 0;
  }
  const b = o.backlog;
  ctx.out.out(
    `inbox: ${b.inboxUnprocessed} event${b.inboxUnprocessed === 1 ? '' : 's'} not processed yet` +
      (b.inboxUnprocessed > 0 ? `, the oldest ${Math.round(b.oldestUnprocessedAgeSeconds)} s old` : ''),
  );
  const rows = b.queues.map((q) => [q.queue, q.waiting, q.prioritized, q.active, q.delayed, q.failed, q.completed]);
  for (const l of table(['queue', 'waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'], rows)) {
    ctx.out.out(l);
  }
  if (o.companies.length > 0) {
    ctx.out.out();
    const companyRows = o.companies.map((c) => [
      c.tenantId,
      c.realmId,
      `${c.budget.used}/${c.budget.limit} per ${c.budget.windowSeconds} s`,
      c.throttlesLastHour,
      Object.values(c.deferralsLastHour).reduce((a, n) => a + n, 0),
      c.pausedUntil,
    ]);
    for (const l of table(
      ['tenant', 'realm', 'budget used', 'throttles 1h', 'deferrals 1h', 'paused until'],
      companyRows,
    )) {
      ctx.out.out(l);
    }
  }
  return 0;
}

export const queues = defineCommand({
  name: 'queues',
  args: '',
  summary: 'Backlog: inbox events not processed, jobs per queue and state, each company’s QuickBooks budget.',
  options: {},
  positionals: { min: 0, max: 0 },
  run: (ctx) => queuesRun(ctx),
});

export const stats = defineCommand({
  name: 'stats',
  args: '',
  summary: 'Same as queues.',
  options: {},
  positionals: { min: 0, max: 0 },
  run: (ctx) => queuesRun(ctx),
});
