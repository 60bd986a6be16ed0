import { SyncEntityType } from '@qbo-sync/contracts';
import { cdcSweep, driftAction } from '../admin.js';
import { defineCommand, oneOf } from '../command.js';

const ACTIONS = ['accept', 'push'] as const;

export const drift = defineCommand({
  name: 'drift',
  args: '<accept|push> <tenant> <entityType> <externalId>',
  summary: "Answer a record changed in QuickBooks: accept QuickBooks' version, or push ours again.",
  details: [
    'accept: the change was meant; the record stops being flagged (an accepted deletion is left skipped).',
    'push: re-create a deleted object, or overwrite an edited one with the billing data (not for a void).',
    'examples:',
    '  qbo-sync drift accept demo invoice inv-5001',
    '  qbo-sync drift push demo invoice inv-5001',
  ],
  options: {},
  positionals: { min: 4, max: 4 },
  async run(ctx, { positionals }) {
    const [actionArg = '', tenantId = '', entityType = '', externalId = ''] = positionals;
    const action = oneOf('action', actionArg, ACTIONS);
    const type = oneOf('entityType', entityType, SyncEntityType.options);
    const result = await driftAction(ctx.api, tenantId, type, externalId, action);
    if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
    else if (result.action === 'accepted')
      ctx.out.out(`Accepted QuickBooks' version of ${type} ${externalId}: ${result.status}.`);
    else ctx.out.out(`Pushing our version of ${type} ${externalId} again (job ${result.jobId ?? '?'}).`);
    return 0;
  },
});

export const cdcSweepCommand = defineCommand({
  name: 'cdc-sweep',
  args: '<tenant>',
  summary: "Read what changed in the tenant's QuickBooks company now (change data capture) and flag or heal drift.",
  details: ['examples:', '  qbo-sync cdc-sweep demo'],
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const [tenantId = ''] = positionals;
    const result = await cdcSweep(ctx.api, tenantId);
    if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
    else ctx.out.out(`Queued a change-data-capture sweep of ${tenantId} (job ${result.jobId}).`);
    return 0;
  },
});
