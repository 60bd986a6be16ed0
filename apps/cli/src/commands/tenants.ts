import { CustomerMatchStrategy, TenantId, type TenantSettingsPatch, type TenantView } from '@qbo-sync/contracts';
import { createTenant, deleteTenant, getTenant, listTenants, rotateKey, updateSettings } from '../admin.js';
import { type Context, defineCommand, oneOf, onOff } from '../command.js';
import { UsageError } from '../errors.js';
import { fields, table } from '../output.js';
import { ago } from '../time.js';

function checkTenantId(id: string): void {
  const parsed = TenantId.safeParse(id);
  if (!parsed.success) {
    throw new UsageError(`Tenant id "${id}" ${parsed.error.issues[0]?.message ?? 'is not valid'}.`);
  }
}

/** Settings flags shared by `tenants create` and `tenants settings`. */
const SETTINGS_OPTIONS = {
  'auto-sync': { type: 'string', hint: 'on|off', description: 'sync every event automatically (off: needs_sync)' },
  'auto-sync-payments': { type: 'string', hint: 'on|off', description: 'sync payments automatically' },
  'customer-match': {
    type: 'string',
    hint: CustomerMatchStrategy.options.join('|'),
    description: 'how an existing QBO customer is recognised',
  },
  'create-missing-items': { type: 'string', hint: 'on|off', description: 'create unmapped items in QBO' },
  representatives: { type: 'string', hint: 'parent|sub_customer', description: 'representatives become …' },
  'voids-before-sync': {
    type: 'string',
    hint: 'post_and_void|skip',
    description: 'a void that overtakes its original: post it and void it, or skip both',
  },
  'inactive-qbo-customers': {
    type: 'string',
    hint: 'reactivate|create_new',
    description: 'a matching QBO customer that is inactive: make it active again, or create a new one',
  },
  'sync-invoices-when': {
    type: 'string',
    hint: 'sent|paid',
    description: 'invoices reach QBO once sent (default), or only once paid',
  },
  'callback-url': { type: 'string', hint: '<url>', description: 'where sync results are announced (signed)' },
} as const;

function settingsPatch(values: Partial<Record<keyof typeof SETTINGS_OPTIONS, string>>): TenantSettingsPatch {
  const patch: TenantSettingsPatch = {};
  const autoSync = onOff('auto-sync', values['auto-sync']);
  if (autoSync !== undefined) patch.autoSync = autoSync;
  const autoSyncPayments = onOff('auto-sync-payments', values['auto-sync-payments']);
  if (autoSyncPayments !== undefined) patch.autoSyncPayments = autoSyncPayments;
  const createMissingItems = onOff('create-missing-items', values['create-missing-items']);
  if (createMissingItems !== undefined) patch.createMissingItems = createMissingItems;
  if (values['customer-match'] !== undefined) {
    patch.customerMatch = oneOf('--customer-match', values['customer-match'], CustomerMatchStrategy.options);
  }
  if (values.representatives !== undefined) {
    patch.representatives = oneOf('--representatives', values.representatives, ['parent', 'sub_customer'] as const);
  }
  if (values['voids-before-sync'] !== undefined) {
    patch.voidsBeforeSync = oneOf('--voids-before-sync', values['voids-before-sync'], [
      'post_and_void',
      'skip',
    ] as const);
  }
  if (values['inactive-qbo-customers'] !== undefined) {
    patch.inactiveQboCustomers = oneOf('--inactive-qbo-customers', values['inactive-qbo-customers'], [
      'reactivate',
      'create_new',
    ] as const);
  }
  if (values['sync-invoices-when'] !== undefined) {
    patch.syncInvoicesWhen = oneOf('--sync-invoices-when', values['sync-invoices-when'], ['sent', 'paid'] as const);
  }
  if (values['callback-url'] !== undefined) {
    if (!URL.canParse(values['callback-url'])) throw new UsageError('--callback-url must be an absolute URL.');
    patch.callbackUrl = values['callback-url'];
  }
  return patch;
}

function settingsLines(tenant: TenantView): string[] {
  const s = tenant.settings;
  const onoff = (b: boolean) => (b ? 'on' : 'off');
  return fields([
    ['auto-sync', onoff(s.autoSync)],
    ['auto-sync-payments', onoff(s.autoSyncPayments)],
    ['customer-match', s.customerMatch],
    ['create-missing-items', onoff(s.createMissingItems)],
    ['representatives', s.representatives],
    ['voids-before-sync', s.voidsBeforeSync],
    ['inactive-qbo-customers', s.inactiveQboCustomers],
    ['sync-invoices-when', s.syncInvoicesWhen],
    ['callback-url', s.callbackUrl],
  ]).map((l) => `  ${l}`);
}

/** Prints a key and secret that the API shows only once, and saves them when asked. */
async function handOver(
  ctx: Context,
  tenantId: string,
  creds: { apiKey: string; signingSecret?: string | undefined },
  save: boolean,
): Promise<void> {
  let saved = false;
  if (save) {
    const signingSecret =
      creds.signingSecret ?? (await ctx.credentials.get(ctx.config.apiUrl, tenantId))?.signingSecret;
    if (signingSecret) {
      await ctx.credentials.save(ctx.config.apiUrl, tenantId, { apiKey: creds.apiKey, signingSecret });
      saved = true;
    } else {
      ctx.out.err('warning: the signing secret of this tenant is not known here, so nothing was saved.');
    }
  }
  if (ctx.json) return;
  ctx.out.out(`  api key:        ${creds.apiKey}`);
  if (creds.signingSecret) ctx.out.out(`  signing secret: ${creds.signingSecret}`);
  ctx.out.out(
    saved
      ? `Saved to ${ctx.credentials.file} (for ${ctx.config.apiUrl}).`
      : 'They are shown only this once: store them now (or run again with --save).',
  );
}

export const tenantsCreate = defineCommand({
  name: 'tenants create',
  args: '<id> --name <name>',
  summary: 'Create a tenant; prints its API key and signing secret once (--save stores them for send/backfill).',
  options: {
    name: { type: 'string', hint: '<name>', description: 'display name (required)' },
    save: { type: 'boolean', description: 'save key and secret in the credentials file (mode 0600)' },
    ...SETTINGS_OPTIONS,
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [id = ''] = positionals;
    checkTenantId(id);
    if (!values.name?.trim()) throw new UsageError('"tenants create" needs --name <name>.');
    const settings = settingsPatch(values);
    const created = await createTenant(ctx.api, {
      id,
      name: values.name,
      ...(Object.keys(settings).length ? { settings } : {}),
    });
    if (ctx.json) ctx.out.out(JSON.stringify(created, null, 2));
    else ctx.out.out(`Created tenant ${created.tenant.id} (${created.tenant.name}).`);
    await handOver(ctx, id, created, values.save === true);
    return 0;
  },
});

export const tenantsList = defineCommand({
  name: 'tenants list',
  args: '',
  summary: 'List tenants with their QuickBooks connection.',
  options: {},
  positionals: { min: 0, max: 0 },
  async run(ctx) {
    const { tenants } = await listTenants(ctx.api);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ tenants }, null, 2));
      return 0;
    }
    if (tenants.length === 0) {
      ctx.out.out('No tenants yet. Create one with: qbo-sync tenants create <id> --name <name> --save');
      return 0;
    }
    const rows = tenants.map((t) => [
      t.id,
      t.name,
      t.connection.status,
      t.connection.realmId,
      t.settings.autoSync ? 'on' : 'off',
      ago(t.createdAt, ctx.now()),
    ]);
    for (const line of table(['id', 'name', 'connection', 'realm', 'auto-sync', 'created'], rows)) ctx.out.out(line);
    return 0;
  },
});

export const tenantsShow = defineCommand({
  name: 'tenants show',
  args: '<id>',
  summary: 'A tenant: settings, QuickBooks connection, and sync records by status.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const [id = ''] = positionals;
    const t = await getTenant(ctx.api, id);
    if (ctx.json) {
      ctx.out.out(JSON.stringify(t, null, 2));
      return 0;
    }
    const c = t.connection;
    for (const line of fields([
      ['tenant', `${t.id} (${t.name})`],
      ['api key', `${t.apiKeyPrefix}…`],
      ['created', t.createdAt],
      ['connection', `${c.status}${c.realmId ? ` — company ${c.realmId}` : ''}`],
    ])) {
      ctx.out.out(line);
    }
    if (c.reason) ctx.out.out(`  ${c.reason}`);
    if (c.status !== 'active') ctx.out.out(`  Connect with: ${ctx.invocation} connect ${t.id}`);
    ctx.out.out('settings:');
    for (const line of settingsLines(t)) ctx.out.out(line);
    const counts = Object.entries(t.counts).filter(([, n]) => n > 0);
    ctx.out.out(
      `sync records: ${counts.length ? counts.map(([status, n]) => `${status} ${n}`).join(', ') : 'none yet'}`,
    );
    return 0;
  },
});

export const tenantsSettings = defineCommand({
  name: 'tenants settings',
  args: '<id>',
  summary: 'Change a tenant’s settings (only the flags given change); prints the settings.',
  options: SETTINGS_OPTIONS,
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [id = ''] = positionals;
    const patch = settingsPatch(values);
    if (Object.keys(patch).length === 0) {
      throw new UsageError(
        `Nothing to change: give at least one of ${Object.keys(SETTINGS_OPTIONS)
          .map((k) => `--${k}`)
          .join(', ')}.`,
      );
    }
    const tenant = await updateSettings(ctx.api, id, patch);
    if (ctx.json) {
      ctx.out.out(JSON.stringify(tenant, null, 2));
      return 0;
    }
    ctx.out.out(`Settings of ${tenant.id}:`);
    for (const line of settingsLines(tenant)) ctx.out.out(line);
    return 0;
  },
});

export const tenantsRotateKey = defineCommand({
  name: 'tenants rotate-key',
  args: '<id>',
  summary: 'Issue a new API key (the old one stops working); prints it once.',
  options: { save: { type: 'boolean', description: 'save the new key in the credentials file' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [id = ''] = positionals;
    const rotated = await rotateKey(ctx.api, id);
    if (ctx.json) ctx.out.out(JSON.stringify(rotated, null, 2));
    else ctx.out.out(`New API key for ${id} (the previous one no longer works):`);
    await handOver(ctx, id, rotated, values.save === true);
    return 0;
  },
});

export const tenantsDelete = defineCommand({
  name: 'tenants delete',
  args: '<id>',
  summary:
    'Delete a tenant: revoke its QuickBooks grant, drop its mappings, inbox and sync records (nothing in QuickBooks).',
  options: { yes: { type: 'boolean', description: 'confirm; required, as this cannot be undone' } },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [id = ''] = positionals;
    if (values.yes !== true) {
      throw new UsageError(`Deleting tenant "${id}" cannot be undone. Run again with --yes to confirm.`);
    }
    const result = await deleteTenant(ctx.api, id);
    await ctx.credentials.remove(ctx.config.apiUrl, id);
    if (ctx.json) ctx.out.out(JSON.stringify(result, null, 2));
    else ctx.out.out(`Deleted tenant ${id}${result.revokedAtIntuit ? ' (QuickBooks grant revoked)' : ''}.`);
    return 0;
  },
});
