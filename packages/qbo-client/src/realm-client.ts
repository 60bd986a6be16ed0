// Typed QBO operations for one tenant's company. Every call goes through QboHttp (budget, token, faults).
import { type AppLinkEntity, appLink } from './app-link.js';
import { batchBody, batchResults } from './batch.js';
import { type CdcAnswer, cdcFrom } from './cdc.js';
import type {
  BatchItem,
  BatchResult,
  EntityUpdate,
  NewEntity,
  QboAccount,
  QboCustomer,
  QboEntityBase,
  QboInvoice,
  QboItem,
  QboPayment,
  QboPaymentMethod,
  QboPreferences,
  QboPurchase,
  QboTaxCode,
} from './entities.js';
import { RealmBusyError } from './errors/realm-busy-error.js';
import { ValidationError } from './errors/validation-error.js';
import type { CallOptions, QboHttp } from './http.js';
import { MAX_RESULTS, type QboQuery, q } from './query.js';
import { requestIdFor, type WriteOp } from './request-id.js';
import { countFrom, entityFrom, rowsFrom } from './responses.js';

export interface CustomerFilter {
  email?: string;
  displayName?: string;
  givenName?: string;
  familyName?: string;
  /** Inactive customers still own their DisplayName; include them when matching before a create. */
  includeInactive?: boolean;
}

export interface PaymentFilter {
  paymentRefNum?: string;
  customerId?: string;
}

export interface RealmClient {
  readonly tenantId: string;
  readonly realmId: string;
  /** One page, as written (add maxResults/startPosition to the query as needed). */
  query<T>(query: QboQuery): Promise<T[]>;
  /** Every page of the query (1000 rows each). */
  queryAll<T>(query: QboQuery): Promise<T[]>;
  count(query: QboQuery): Promise<number>;

  getCustomer(id: string): Promise<QboCustomer>;
  findCustomers(filter: CustomerFilter): Promise<QboCustomer[]>;
  createCustomer(body: NewEntity<QboCustomer>, op: WriteOp): Promise<QboCustomer>;
  updateCustomer(body: EntityUpdate<QboCustomer>, op: WriteOp): Promise<QboCustomer>;

  /** The lists below include inactive entries (check `Active`): pickers show them, marked. */
  listItems(): Promise<QboItem[]>;
  listAccounts(): Promise<QboAccount[]>;
  listPaymentMethods(): Promise<QboPaymentMethod[]>;
  listTaxCodes(): Promise<QboTaxCode[]>;
  /**
   * Customers (inactive included) whose display name or e-mail contains `text` (case-insensitive), or the
   * first ones by name without it; at most `limit`, by name.
   */
  searchCustomers(text: string | undefined, limit: number): Promise<QboCustomer[]>;
  createItem(body: NewEntity<QboItem>, op: WriteOp): Promise<QboItem>;

  getInvoice(id: string): Promise<QboInvoice>;
  findInvoiceByDocNumber(docNumber: string): Promise<QboInvoice | undefined>;
  createInvoice(body: NewEntity<QboInvoice>, op: WriteOp): Promise<QboInvoice>;
  updateInvoice(body: EntityUpdate<QboInvoice>, op: WriteOp): Promise<QboInvoice>;
  voidInvoice(ref: { Id: string; SyncToken: string }, op: WriteOp): Promise<QboInvoice>;

  getPayment(id: string): Promise<QboPayment>;
  findPayments(filter: PaymentFilter): Promise<QboPayment[]>;
  createPayment(body: NewEntity<QboPayment>, op: WriteOp): Promise<QboPayment>;
  updatePayment(body: EntityUpdate<QboPayment>, op: WriteOp): Promise<QboPayment>;
  voidPayment(ref: { Id: string; SyncToken: string }, op: WriteOp): Promise<QboPayment>;

  getPurchase(id: string): Promise<QboPurchase>;
  createPurchase(body: NewEntity<QboPurchase>, op: WriteOp): Promise<QboPurchase>;

  getPreferences(): Promise<QboPreferences>;
  /** Change data capture: objects of `entities` (QBO names) changed since `since` (within 30 days). */
  changesSince(entities: readonly string[], since: Date): Promise<CdcAnswer>;
  batch(items: readonly BatchItem[], op: WriteOp): Promise<BatchResult[]>;
  /** "View in QuickBooks" deep link. */
  appLink(entity: AppLinkEntity, id: string): string;
}

/**
 * One job's use of a company. The job's first call may step aside quickly when the budget is spent (nothing
 * done yet, a deferral costs nothing); once it has made a call, a refusal would throw away the reads it made
 * and the job would repeat them on its next run, so later calls wait longer for budget (`inJobBudgetWaitMs`).
 */
export interface RealmSession {
  /** Aborts every wait of this client's calls (the worker is closing). */
  signal?: AbortSignal | undefined;
  /** How long a call after the first one waits for budget before RealmBusyError. */
  inJobBudgetWaitMs?: number | undefined;
  /**
   * How long the job's first call waits (default: the limiter's maxWaitMs). A job released on its company's
   * schedule (producer pacing) expects room: a short wait keeps its place where a deferral would give it up.
   */
  firstCallWaitMs?: number | undefined;
}

const BOTH = [true, false] as const;

/** Safety stop for queryAll: 100 pages = 100,000 rows. */
const MAX_PAGES = 100;

export function createRealmClient(
  http: QboHttp,
  ctx: { tenantId: string; realmId: string; appBaseUrl: string },
  session: RealmSession = {},
): RealmClient {
  const { tenantId } = ctx;
  // Served once (QBO answered, whatever it said): from then on a refusal would waste what the job did.
  let served = false;
  const call = async (req: Parameters<QboHttp['call']>[1]) => {
    const opts: CallOptions = {
      signal: session.signal,
      maxWaitMs: served ? session.inJobBudgetWaitMs : session.firstCallWaitMs,
    };
    try {
      const res = await http.call(tenantId, req, opts);
      served = true;
      return res;
    } catch (err) {
      if (!(err instanceof RealmBusyError)) served = true;
      throw err;
    }
  };

  const get = async <T extends QboEntityBase>(entity: string, id: string): Promise<T> => {
    if (!id) throw new ValidationError(`${entity} id is required`);
    const body = await call({ method: 'GET', path: `${entity.toLowerCase()}/${encodeURIComponent(id)}` });
    return entityFrom<T>(body, entity);
  };

  const write = async <T extends QboEntityBase>(
    entity: string,
    body: Record<string, unknown>,
    op: WriteOp,
    searchParams?: Record<string, string>,
  ): Promise<T> => {
    const res = await call({
      method: 'POST',
      path: entity.toLowerCase(),
      json: body,
      requestId: requestIdFor(op),
      ...(searchParams ? { searchParams } : {}),
    });
    return entityFrom<T>(res, entity);
  };

  // Updates are sparse unless the caller says otherwise: a full update nulls every omitted field.
  const update = <T extends QboEntityBase>(entity: string, body: EntityUpdate<T>, op: WriteOp) =>
    write<T>(entity, { sparse: true, ...body }, op);

  const query = async <T>(qq: QboQuery): Promise<T[]> => {
    const body = await call({ method: 'GET', path: 'query', searchParams: { query: qq.toString() } });
    return rowsFrom<T>(body, qq.entity);
  };

  const queryAll = async <T>(qq: QboQuery): Promise<T[]> => {
    const out: T[] = [];
    for (let page = 0; page < MAX_PAGES; page++) {
      const rows = await query<T>(qq.startPosition(page * MAX_RESULTS + 1).maxResults(MAX_RESULTS));
      out.push(...rows);
      if (rows.length < MAX_RESULTS) return out;
    }
    throw new ValidationError(`query returned more than ${MAX_PAGES * MAX_RESULTS} rows; narrow it`);
  };

  return {
    tenantId,
    realmId: ctx.realmId,
    query,
    queryAll,
    async count(qq) {
      const body = await call({ method: 'GET', path: 'query', searchParams: { query: qq.toString() } });
      return countFrom(body);
    },

    getCustomer: (id) => get<QboCustomer>('Customer', id),
    async findCustomers(filter) {
      let qq = q.select('Customer');
      if (filter.email !== undefined) qq = qq.where('PrimaryEmailAddr', '=', filter.email);
      if (filter.displayName !== undefined) qq = qq.where('DisplayName', '=', filter.displayName);
      if (filter.givenName !== undefined) qq = qq.where('GivenName', '=', filter.givenName);
      if (filter.familyName !== undefined) qq = qq.where('FamilyName', '=', filter.familyName);
      if (qq.toString() === q.select('Customer').toString()) {
        throw new ValidationError('findCustomers needs at least one of email, displayName, givenName, familyName');
      }
      if (filter.includeInactive) qq = qq.where('Active', 'IN', [true, false]);
      return query<QboCustomer>(qq.maxResults(MAX_RESULTS));
    },
    createCustomer: (body, op) => write<QboCustomer>('Customer', body, op),
    updateCustomer: (body, op) => update<QboCustomer>('Customer', body, op),

    // QBO answers active rows only unless asked for both (qbo-facts §5).
    listItems: () => queryAll<QboItem>(q.select('Item').where('Active', 'IN', BOTH).orderBy('Name')),
    listAccounts: () => queryAll<QboAccount>(q.select('Account').where('Active', 'IN', BOTH).orderBy('Name')),
    listPaymentMethods: () =>
      queryAll<QboPaymentMethod>(q.select('PaymentMethod').where('Active', 'IN', BOTH).orderBy('Name')),
    listTaxCodes: () => queryAll<QboTaxCode>(q.select('TaxCode').where('Active', 'IN', BOTH).orderBy('Name')),
    async searchCustomers(text, limit) {
      const all = q.select('Customer').where('Active', 'IN', BOTH);
      // LIKE has no escape for '%' (qbo-facts §5): it is dropped from the search text.
      const needle = text?.replaceAll('%', '').trim();
      if (!needle) return query<QboCustomer>(all.orderBy('DisplayName').maxResults(limit));
      // No OR in QBO queries: one query per field, merged.
      const [byName, byEmail] = await Promise.all([
        query<QboCustomer>(all.where('DisplayName', 'LIKE', `%${needle}%`).maxResults(limit)),
        query<QboCustomer>(all.where('PrimaryEmailAddr', 'LIKE', `%${needle}%`).maxResults(limit)),
      ]);
      const merged = new Map([...byName, ...byEmail].map((c) => [c.Id, c]));
      return [...merged.values()].sort((a, b) => a.DisplayName.localeCompare(b.DisplayName)).slice(0, limit);
    },
    createItem: (body, op) => write<QboItem>('Item', body, op),

    getInvoice: (id) => get<QboInvoice>('Invoice', id),
    async findInvoiceByDocNumber(docNumber) {
      const rows = await query<QboInvoice>(q.select('Invoice').where('DocNumber', '=', docNumber).maxResults(10));
      return rows[0];
    },
    createInvoice: (body, op) => write<QboInvoice>('Invoice', body, op),
    updateInvoice: (body, op) => update<QboInvoice>('Invoice', body, op),
    voidInvoice: (ref, op) =>
      write<QboInvoice>('Invoice', { Id: ref.Id, SyncToken: ref.SyncToken }, op, { operation: 'void' }),

    getPayment: (id) => get<QboPayment>('Payment', id),
    async findPayments(filter) {
      let qq = q.select('Payment');
      if (filter.paymentRefNum !== undefined) qq = qq.where('PaymentRefNum', '=', filter.paymentRefNum);
      if (filter.customerId !== undefined) qq = qq.where('CustomerRef', '=', filter.customerId);
      if (filter.paymentRefNum === undefined && filter.customerId === undefined) {
        throw new ValidationError('findPayments needs paymentRefNum or customerId');
      }
      return query<QboPayment>(qq.maxResults(MAX_RESULTS));
    },
    createPayment: (body, op) => write<QboPayment>('Payment', body, op),
    updatePayment: (body, op) => update<QboPayment>('Payment', body, op),
    // QBO documents payment void as a sparse update with include=void.
    voidPayment: (ref, op) =>
      write<QboPayment>('Payment', { Id: ref.Id, SyncToken: ref.SyncToken, sparse: true }, op, {
        operation: 'update',
        include: 'void',
      }),

    getPurchase: (id) => get<QboPurchase>('Purchase', id),
    createPurchase: (body, op) => write<QboPurchase>('Purchase', body, op),

    async getPreferences() {
      const body = await call({ method: 'GET', path: 'preferences' });
      return entityFrom<QboPreferences>(body, 'Preferences');
    },

    async changesSince(entities, since) {
      const body = await call({
        method: 'GET',
        path: 'cdc',
        searchParams: { entities: entities.join(','), changedSince: since.toISOString() },
      });
      return cdcFrom(body, entities);
    },

    async batch(items, op) {
      const json = batchBody(items);
      const body = await call({ method: 'POST', path: 'batch', json, requestId: requestIdFor(op) });
      return batchResults(body, items, 200);
    },

    appLink: (entity, id) => appLink(ctx.appBaseUrl, entity, id),
  };
}
