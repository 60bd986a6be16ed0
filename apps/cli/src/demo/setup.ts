import {
  connectUrl,
  createTenant,
  deleteTenant,
  disconnect,
  getTenant,
  listMappings,
  qboList,
  rotateKey,
  rotateSecret,
  setMapping,
} from '../admin.js';
import type { Context } from '../command.js';
import type { TenantCredentials } from '../credentials.js';
import { ApiResponseError } from '../errors.js';
import { approveConsent } from './consent.js';
import { planDemoMappings, type QboLists } from './mappings.js';
import { createSandboxItem, SALES_TAX_ITEM_NAME, sandboxOrigin } from './sandbox-item.js';

/** The sandbox's demo company (SANDBOX_SEED_DEMO=1). */
export const DEMO_REALM_ID = '9130350000000001';

export interface DemoTenantOptions {
  tenantId: string;
  name: string;
  /** A sandbox company id, or 'new' for a fresh seeded company (kept once connected). */
  realm: string;
}

export interface DemoTenantResult {
  tenantId: string;
  credentials: TenantCredentials;
  /** created: new tenant; saved: reused; rotated: the tenant existed without usable saved credentials. */
  credentialsFrom: 'created' | 'saved' | 'rotated';
  /** already: the existing connection works; connected: the OAuth flow ran now. */
  connection: 'already' | 'connected';
  realmId: string;
  mappingsChanged: number;
  mappingsTotal: number;
  /** Optional mappings left out (the company has nothing to map them to). */
  mappingsSkipped: string[];
  /** QBO entities demo setup created in the sandbox company (its sales-tax item). */
  created: string[];
}

/**
 * Whether a key and secret still work, without side effects: a signed empty batch is refused as an invalid
 * body (400) only after the key and the signature were accepted; bad credentials get 401.
 */
export async function credentialsWork(ctx: Context, credentials: TenantCredentials): Promise<boolean> {
  const answer = await ctx.api.signed('/v1/events:batch', '{"events":[]}', credentials);
  return answer.status !== 401 && answer.status !== 403;
}

/** Answers of a QBO read that mean the grant is missing or dead, so connecting again is the fix. */
const RECONNECT_CODES = new Set(['not_connected', 'needs_reconnect']);
const LINKED = new Set(['active', 'needs_reconnect']);

function isNotFound(err: unknown): boolean {
  return err instanceof ApiResponseError && err.status === 404;
}

async function ensureTenant(
  ctx: Context,
  opts: DemoTenantOptions,
): Promise<{ credentials: TenantCredentials; from: DemoTenantResult['credentialsFrom'] }> {
  const store = ctx.credentials;
  const apiUrl = ctx.config.apiUrl;
  try {
    await getTenant(ctx.api, opts.tenantId);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    const created = await createTenant(ctx.api, { id: opts.tenantId, name: opts.name });
    const credentials = { apiKey: created.apiKey, signingSecret: created.signingSecret };
    await store.save(apiUrl, opts.tenantId, credentials);
    return { credentials, from: 'created' };
  }
  const saved = await store.get(apiUrl, opts.tenantId);
  if (saved && (await credentialsWork(ctx, saved))) return { credentials: saved, from: 'saved' };
  const rotated = await rotateKey(ctx.api, opts.tenantId);
  // Without a saved secret the demo tenant is unusable; the demo may roll it (a real tenant's admin decides).
  const signingSecret = saved?.signingSecret ?? (await rotateSecret(ctx.api, opts.tenantId)).signingSecret;
  const credentials = { apiKey: rotated.apiKey, signingSecret };
  await store.save(apiUrl, opts.tenantId, credentials);
  return { credentials, from: 'rotated' };
}

async function readLists(ctx: Context, tenantId: string): Promise<QboLists> {
  const [items, paymentMethods, accounts] = await Promise.all([
    qboList(ctx.api, tenantId, 'items'),
    qboList(ctx.api, tenantId, 'payment-methods'),
    qboList(ctx.api, tenantId, 'accounts'),
  ]);
  // The demo maps active entries only (the lists mark inactive ones too).
  const active = <T extends { active: boolean }>(rows: T[]) => rows.filter((r) => r.active);
  return { items: active(items.items), paymentMethods: active(paymentMethods.items), accounts: active(accounts.items) };
}

/** In the local sandbox, adds the "Sales Tax" item the demo's taxed invoices post their tax on (once). */
async function ensureSalesTaxItem(ctx: Context, tenantId: string, realmId: string, lists: QboLists): Promise<string[]> {
  const wanted = SALES_TAX_ITEM_NAME.toLowerCase();
  if (lists.items.some((i) => i.name.toLowerCase() === wanted)) return [];
  const income = lists.accounts.find((a) => a.name === 'Sales') ?? lists.accounts.find((a) => a.type === 'Income');
  if (!income) return [];
  const { authorizeUrl } = await connectUrl(ctx.api, tenantId);
  const origin = await sandboxOrigin(ctx.api, authorizeUrl);
  if (!origin) return [];
  const item = await createSandboxItem(ctx.api, origin, realmId, {
    name: SALES_TAX_ITEM_NAME,
    incomeAccountId: income.id,
  });
  lists.items.push({ id: item.id, name: item.name, type: 'Service', active: true });
  return [`item ${item.name} (${item.id})`];
}

/**
 * Makes `tenantId` a working demo tenant: exists with saved credentials, is connected to the sandbox
 * company through the real OAuth flow, and has the demo mappings. Idempotent: a second run changes nothing
 * and only reads (plus one side-effect-free credentials check).
 */
export async function ensureDemoTenant(ctx: Context, opts: DemoTenantOptions): Promise<DemoTenantResult> {
  const { credentials, from } = await ensureTenant(ctx, opts);
  const detail = await getTenant(ctx.api, opts.tenantId);
  const current = detail.connection;
  const sameCompany = opts.realm === 'new' || current.realmId === opts.realm;

  let lists: QboLists | undefined;
  let connection: DemoTenantResult['connection'] = 'connected';
  let realmId = current.realmId ?? opts.realm;
  if (current.status === 'active' && sameCompany) {
    // The sandbox keeps tokens in memory: after its restart the stored grant is dead, so prove it with a read.
    lists = await readLists(ctx, opts.tenantId).catch((err: unknown) => {
      if (err instanceof ApiResponseError && RECONNECT_CODES.has(err.apiCode)) return undefined;
      throw err;
    });
    if (lists) connection = 'already';
  }
  if (!lists) {
    const { authorizeUrl } = await connectUrl(ctx.api, opts.tenantId);
    // 'new' keeps the company connected before when the sandbox still has it (a restart forgets it).
    const preferred = opts.realm === 'new' && current.realmId ? [current.realmId, 'new'] : [opts.realm];
    realmId = await approveConsent(ctx.api, authorizeUrl, preferred, async (chosen) => {
      // Our callback refuses a different company while one is linked: switching means disconnecting first.
      if (current.realmId && chosen !== current.realmId && LINKED.has(current.status)) {
        await disconnect(ctx.api, opts.tenantId);
      }
    });
    lists = await readLists(ctx, opts.tenantId);
  }

  const created = await ensureSalesTaxItem(ctx, opts.tenantId, realmId, lists);
  const { wanted, skipped } = planDemoMappings(lists);
  const { mappings } = await listMappings(ctx.api, opts.tenantId);
  const have = new Map(mappings.map((m) => [`${m.kind}\u0000${m.key}`, m.qboId]));
  const changes = wanted.filter((w) => have.get(`${w.kind}\u0000${w.key}`) !== w.qboId);
  for (const w of changes) await setMapping(ctx.api, opts.tenantId, w);

  return {
    tenantId: opts.tenantId,
    credentials,
    credentialsFrom: from,
    connection,
    realmId,
    mappingsChanged: changes.length,
    mappingsTotal: wanted.length,
    mappingsSkipped: skipped,
    created,
  };
}

/** Deletes the demo tenant and its saved credentials, if there are any (`demo setup --reset`). */
export async function resetDemoTenant(ctx: Context, tenantId: string): Promise<void> {
  try {
    await deleteTenant(ctx.api, tenantId);
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  await ctx.credentials.remove(ctx.config.apiUrl, tenantId);
}
