import { MappingKind, QboListName } from '@qbo-sync/contracts';
import { listMappings, qboList, removeMapping, setMapping } from '../admin.js';
import { defineCommand, oneOf } from '../command.js';
import { UsageError } from '../errors.js';
import { table } from '../output.js';

const KINDS = MappingKind.options;

export const mappingsList = defineCommand({
  name: 'mappings list',
  args: '<tenant>',
  summary: 'List a tenant’s mappings from billing keys to QuickBooks ids.',
  options: { kind: { type: 'string', hint: `<${KINDS.join('|')}>`, description: 'only this kind' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [tenantId = ''] = positionals;
    const kind = values.kind === undefined ? undefined : oneOf('--kind', values.kind, KINDS);
    const { mappings } = await listMappings(ctx.api, tenantId, kind);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ mappings }, null, 2));
      return 0;
    }
    if (mappings.length === 0) {
      ctx.out.out(
        `No ${kind ? `${kind} ` : ''}mappings for ${tenantId}. Add one with: ${ctx.invocation} mappings set ${tenantId} <kind> <key> <qboId>`,
      );
      return 0;
    }
    const rows = mappings.map((m) => [m.kind, m.key, m.qboId, m.qboName]);
    for (const line of table(['kind', 'key', 'qbo id', 'qbo name'], rows)) ctx.out.out(line);
    return 0;
  },
});

export const mappingsSet = defineCommand({
  name: 'mappings set',
  args: '<tenant> <kind> <key> <qboId>',
  summary: 'Map a billing key to a QuickBooks id; syncs parked as needs_mapping for it resume by themselves.',
  details: [
    `kinds: ${KINDS.join(', ')}`,
    'keys: the billing item id, customer id, payment method key, currency code (deposit_account),',
    '      tax code name, or accounts_receivable / refund_bank / income (account).',
    'Find QuickBooks ids with: qbo-sync qbo list <tenant> items|accounts|payment-methods|tax-codes',
    'example: qbo-sync mappings set demo item moving-labor 1',
  ],
  options: { name: { type: 'string', hint: '<qboName>', description: 'the QuickBooks name, for display' } },
  positionals: { min: 4, max: 4 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', kindArg = '', key = '', qboId = ''] = positionals;
    const kind = oneOf('kind', kindArg, KINDS);
    const result = await setMapping(ctx.api, tenantId, { kind, key, qboId, qboName: values.name });
    if (ctx.json) {
      ctx.out.out(JSON.stringify(result, null, 2));
      return 0;
    }
    const { mapping, resumed } = result;
    ctx.out.out(
      `Mapped ${mapping.kind} "${mapping.key}" → QuickBooks ${mapping.qboId}${mapping.qboName ? ` (${mapping.qboName})` : ''}.`,
    );
    ctx.out.out(
      resumed > 0 ? `Resumed ${resumed} parked sync${resumed === 1 ? '' : 's'}.` : 'No parked syncs needed it.',
    );
    return 0;
  },
});

export const mappingsRemove = defineCommand({
  name: 'mappings remove',
  args: '<tenant> <kind> <key>',
  summary: 'Remove a mapping; later syncs that need it park as needs_mapping.',
  options: {},
  positionals: { min: 3, max: 3 },
  async run(ctx, { positionals }) {
    const [tenantId = '', kindArg = '', key = ''] = positionals;
    const kind = oneOf('kind', kindArg, KINDS);
    await removeMapping(ctx.api, tenantId, kind, key);
    if (ctx.json) ctx.out.out(JSON.stringify({ removed: { kind, key } }));
    else ctx.out.out(`Removed the ${kind} mapping for "${key}".`);
    return 0;
  },
});

export const qboListCommand = defineCommand({
  name: 'qbo list',
  args: `<tenant> <${QboListName.options.join('|')}>`,
  summary:
    'List QuickBooks items, accounts, payment methods, tax codes or customers of a tenant’s company (live; inactive ones marked).',
  options: {
    search: {
      type: 'string',
      hint: '<text>',
      description:
        'customers: part of the name or e-mail; then map one with `mappings set <tenant> customer <billing id> <qbo id>`',
    },
  },
  positionals: { min: 2, max: 2 },
  async run(ctx, { positionals, values }) {
    const [tenantId = '', listArg = ''] = positionals;
    const list = oneOf('the list', listArg, QboListName.options);
    if (values.search !== undefined && list !== 'customers')
      throw new UsageError('--search works with the customers list only.');
    const { items } = await qboList(ctx.api, tenantId, list, values.search);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ items }, null, 2));
      return 0;
    }
    for (const line of table(
      ['id', 'name', 'type', 'active'],
      items.map((i) => [i.id, i.email ? `${i.name} <${i.email}>` : i.name, i.type, i.active ? 'yes' : 'INACTIVE']),
    ))
      ctx.out.out(line);
    return 0;
  },
});
