// The end-of-run check: every tenant's QBO company (read through the sandbox inspection API) against the
// model computed from its events, plus the sync records and the queues. Objects are matched by our marker
// (PrivateNote / Notes), so a second object for one billing entity is a duplicate whatever its name.
import { parseMarker, qboAmountToCents } from '@qbo-sync/sync-core';
import type { ExpectedCompany } from './model.js';
import { expectedRecordStatuses } from './model.js';

type Row = Record<string, unknown>;

export const FAILURE_CATEGORIES = [
  'missing',
  'duplicate',
  'unexpected',
  'wrong_amount',
  'wrong_balance',
  'wrong_application',
  'wrong_link',
  'wrong_void_state',
  'wrong_customer_data',
  'record_missing',
  'record_not_terminal',
  'record_wrong_status',
  'record_wrong_qbo_id',
  'queue_not_empty',
  'inbox_unprocessed',
] as const;
export type FailureCategory = (typeof FAILURE_CATEGORIES)[number];

export interface Failure {
  tenantId: string;
  category: FailureCategory;
  /** e.g. `invoice:INV-12` */
  entity: string;
  detail: string;
}

/**
 * A void that overtakes its original: `either` accepts nothing in QBO or a posted-then-voided object;
 * `post-and-void` requires the voided object (the audit-trail policy of issue 9); `skip` requires nothing
 * in QBO unless it had been posted before the void arrived (which the checker cannot tell, so voided
 * objects are accepted in every mode; only a live one is wrong).
 */
export type VoidPolicy = 'either' | 'post-and-void' | 'skip';

export interface CompanySnapshot {
  customers: Row[];
  invoices: Row[];
  payments: Row[];
  purchases: Row[];
}
export interface RecordRow {
  entity_type: string;
  external_id: string;
  status: string;
  qbo_id: string | null;
  reason_code: string | null;
}

const ref = (v: unknown) => (v as { value?: string } | undefined)?.value;
const cents = (v: unknown) => qboAmountToCents((v ?? 0) as number);
const fmt = (c: bigint) => {
  const s = c < 0n ? '-' : '';
  const a = c < 0n ? -c : c;
  return `${s}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
};
const isVoided = (inv: Row) => /(^|\s)Voided/.test(String(inv['PrivateNote'] ?? ''));

export const TERMINAL_STATUSES = new Set(['synced', 'skipped', 'voided']);
/** Statuses a record may still leave by itself (work in progress, or a dependency not yet met). */
export const IN_PROGRESS_STATUSES = new Set(['pending', 'syncing', 'waiting']);

/** Groups a company's objects by our marker for this tenant; objects without one are returned apart. */
function byMarker(tenantId: string, rows: Row[], field: 'PrivateNote' | 'Notes', entityType: string) {
  const mine = new Map<string, Row[]>();
  const foreign: Row[] = [];
  for (const r of rows) {
    const m = parseMarker(r[field] as string | undefined);
    if (!m || m.tenantId !== tenantId || m.entityType !== entityType) {
      foreign.push(r);
      continue;
    }
    mine.set(m.externalId, [...(mine.get(m.externalId) ?? []), r]);
  }
  return { mine, foreign };
}

export function checkCompany(input: {
  tenantId: string;
  model: ExpectedCompany;
  company: CompanySnapshot;
  /** Ids of customers the company had before the run (seeded). */
  customersBefore: Set<string>;
  records: RecordRow[];
  voidPolicy: VoidPolicy;
}): Failure[] {
  const { tenantId, model, company } = input;
  const failures: Failure[] = [];
  const fail = (category: FailureCategory, entity: string, detail: string) =>
    failures.push({ tenantId, category, entity, detail });

  // ---- customers
  const cust = byMarker(
    tenantId,
    company.customers.filter((c) => !input.customersBefore.has(String(c['Id']))),
    'Notes',
    'customer',
  );
  for (const c of cust.foreign) fail('unexpected', `customer:?`, `unmarked customer ${c['Id']} "${c['DisplayName']}"`);
  const customerQboId = new Map<string, string>();
  for (const [id, rows] of cust.mine) {
    const want = model.customers.get(id);
    if (!want) fail('unexpected', `customer:${id}`, `QBO customer(s) ${rows.map((r) => r['Id']).join(', ')}`);
    if (rows.length > 1) fail('duplicate', `customer:${id}`, `${rows.length} QBO customers: ${ids(rows)}`);
  }
  for (const want of model.customers.values()) {
    const rows = cust.mine.get(want.id) ?? [];
    const row = rows[0];
    if (!row) {
      fail('missing', `customer:${want.id}`, `no QBO customer "${want.displayName}"`);
      continue;
    }
    customerQboId.set(want.id, String(row['Id']));
    const email = (row['PrimaryEmailAddr'] as Row | undefined)?.['Address'];
    if (row['DisplayName'] !== want.displayName || (want.email !== undefined && email !== want.email))
      fail(
        'wrong_customer_data',
        `customer:${want.id}`,
        `QBO has "${row['DisplayName']}" <${email}>, events say "${want.displayName}" <${want.email}>`,
      );
  }

  // ---- invoices
  const inv = byMarker(tenantId, company.invoices, 'PrivateNote', 'invoice');
  for (const r of inv.foreign) fail('unexpected', 'invoice:?', `unmarked invoice ${r['Id']} #${r['DocNumber']}`);
  const invoiceQboId = new Map<string, string>();
  for (const [id, rows] of inv.mine) {
    const want = model.invoices.get(id);
    if (!want || want.state === 'draft' || want.state === 'draft_voided')
      fail('unexpected', `invoice:${id}`, `QBO invoice(s) ${ids(rows)} for ${want ? 'a draft' : 'no such invoice'}`);
    if (rows.length > 1) fail('duplicate', `invoice:${id}`, `${rows.length} QBO invoices: ${ids(rows)}`);
  }
  for (const want of model.invoices.values()) {
    const key = `invoice:${want.id}`;
    const rows = inv.mine.get(want.id) ?? [];
    const row = rows.find((r) => !isVoided(r)) ?? rows[0];
    if (want.state === 'draft' || want.state === 'draft_voided') continue;
    if (want.state === 'voided') {
      if (!row) {
        if (input.voidPolicy === 'post-and-void') fail('missing', key, 'voided invoice not posted-and-voided in QBO');
        continue;
      }
      invoiceQboId.set(want.id, String(row['Id']));
      if (!isVoided(row))
        fail('wrong_void_state', key, `QBO invoice ${row['Id']} is live, the billing system voided it`);
      continue;
    }
    if (!row) {
      fail('missing', key, `no QBO invoice #${want.docNumber}`);
      continue;
    }
    invoiceQboId.set(want.id, String(row['Id']));
    if (isVoided(row)) {
      fail('wrong_void_state', key, `QBO invoice ${row['Id']} is voided, the billing system did not void it`);
      continue;
    }
    if (row['DocNumber'] !== want.docNumber)
      fail('wrong_link', key, `DocNumber ${row['DocNumber']}, expected ${want.docNumber}`);
    const customer = customerQboId.get(want.customerId);
    if (ref(row['CustomerRef']) !== customer)
      fail('wrong_link', key, `CustomerRef ${ref(row['CustomerRef'])}, expected ${customer} (${want.customerId})`);
    if (cents(row['TotalAmt']) !== want.totalCents)
      fail('wrong_amount', key, `TotalAmt ${fmt(cents(row['TotalAmt']))}, expected ${fmt(want.totalCents)}`);
    else if (cents(row['Balance']) !== want.balanceCents)
      fail('wrong_balance', key, `Balance ${fmt(cents(row['Balance']))}, expected ${fmt(want.balanceCents)}`);
  }

  // ---- payments
  const pay = byMarker(tenantId, company.payments, 'PrivateNote', 'payment');
  for (const r of pay.foreign) fail('unexpected', 'payment:?', `unmarked payment ${r['Id']}`);
  const paymentQboId = new Map<string, string>();
  for (const [id, rows] of pay.mine) {
    if (!model.payments.has(id)) fail('unexpected', `payment:${id}`, `QBO payment(s) ${ids(rows)}`);
    if (rows.length > 1) fail('duplicate', `payment:${id}`, `${rows.length} QBO payments: ${ids(rows)}`);
  }
  for (const want of model.payments.values()) {
    const key = `payment:${want.id}`;
    const row = (pay.mine.get(want.id) ?? [])[0];
    if (want.voided) {
      if (!row) {
        if (input.voidPolicy === 'post-and-void') fail('missing', key, 'voided payment not posted-and-voided in QBO');
        continue;
      }
      paymentQboId.set(want.id, String(row['Id']));
      if (!isVoided(row) || cents(row['TotalAmt']) !== 0n || ((row['Line'] ?? []) as Row[]).length > 0)
        fail('wrong_void_state', key, `QBO payment ${row['Id']} is live, the billing system voided it`);
      continue;
    }
    if (!row) {
      fail('missing', key, `no QBO payment of ${fmt(want.totalCents)}`);
      continue;
    }
    paymentQboId.set(want.id, String(row['Id']));
    if (isVoided(row)) {
      fail('wrong_void_state', key, `QBO payment ${row['Id']} is voided`);
      continue;
    }
    if (cents(row['TotalAmt']) !== want.totalCents)
      fail('wrong_amount', key, `TotalAmt ${fmt(cents(row['TotalAmt']))}, expected ${fmt(want.totalCents)}`);
    const customer = customerQboId.get(want.customerId);
    if (ref(row['CustomerRef']) !== customer)
      fail('wrong_link', key, `CustomerRef ${ref(row['CustomerRef'])}, expected ${customer} (${want.customerId})`);
    const got = new Map<string, bigint>();
    for (const line of (row['Line'] ?? []) as Row[])
      for (const t of (line['LinkedTxn'] ?? []) as Row[])
        if (t['TxnType'] === 'Invoice')
          got.set(String(t['TxnId']), (got.get(String(t['TxnId'])) ?? 0n) + cents(line['Amount']));
    const wantLinks = new Map([...want.applied].map(([invId, c]) => [invoiceQboId.get(invId) ?? `?${invId}`, c]));
    const show = (m: Map<string, bigint>) =>
      [...m]
        .map(([k, v]) => `${k}:${fmt(v)}`)
        .sort()
        .join(',') || 'none';
    if (show(got) !== show(wantLinks) || cents(row['UnappliedAmt']) !== want.unappliedCents)
      fail(
        'wrong_application',
        key,
        `${want.deposit ? 'deposit ' : ''}applied ${show(got)} unapplied ${fmt(cents(row['UnappliedAmt']))}; expected ${show(wantLinks)} unapplied ${fmt(want.unappliedCents)}`,
      );
  }

  // ---- refunds (A/R expenses)
  const pur = byMarker(tenantId, company.purchases, 'PrivateNote', 'refund');
  for (const r of pur.foreign) fail('unexpected', 'refund:?', `unmarked purchase ${r['Id']}`);
  const refundQboId = new Map<string, string>();
  for (const [id, rows] of pur.mine) {
    if (!model.refunds.has(id)) fail('unexpected', `refund:${id}`, `QBO purchase(s) ${ids(rows)}`);
    if (rows.length > 1) fail('duplicate', `refund:${id}`, `${rows.length} QBO purchases: ${ids(rows)}`);
  }
  for (const want of model.refunds.values()) {
    const key = `refund:${want.id}`;
    const row = (pur.mine.get(want.id) ?? [])[0];
    if (!row) {
      fail('missing', key, `no A/R expense of ${fmt(want.amountCents)}`);
      continue;
    }
    refundQboId.set(want.id, String(row['Id']));
    if (cents(row['TotalAmt']) !== want.amountCents)
      fail('wrong_amount', key, `TotalAmt ${fmt(cents(row['TotalAmt']))}, expected ${fmt(want.amountCents)}`);
    const customer = customerQboId.get(want.customerId);
    if (ref(row['EntityRef']) !== customer)
      fail('wrong_link', key, `EntityRef ${ref(row['EntityRef'])}, expected ${customer} (${want.customerId})`);
  }

  // ---- sync records: every one terminal, in the status the events imply, pointing at the object found
  const qboIdOf: Record<string, Map<string, string>> = {
    customer: customerQboId,
    invoice: invoiceQboId,
    payment: paymentQboId,
    refund: refundQboId,
  };
  const wantStatus = expectedRecordStatuses(model);
  const seen = new Set<string>();
  for (const r of input.records) {
    const key = `${r.entity_type}:${r.external_id}`;
    seen.add(key);
    const want = wantStatus.get(key);
    const why = r.reason_code ? ` (${r.reason_code})` : '';
    if (!want) {
      fail('record_wrong_status', key, `a ${r.status} record for an entity the events do not imply`);
      continue;
    }
    if (!want.includes(r.status)) {
      fail(
        TERMINAL_STATUSES.has(r.status) || !IN_PROGRESS_STATUSES.has(r.status)
          ? 'record_wrong_status'
          : 'record_not_terminal',
        key,
        `${r.status}${why}, expected ${want.join('|')}`,
      );
      continue;
    }
    const found = qboIdOf[r.entity_type]?.get(r.external_id);
    if (found && r.qbo_id !== found) fail('record_wrong_qbo_id', key, `record says ${r.qbo_id}, QBO object ${found}`);
  }
  for (const key of wantStatus.keys()) if (!seen.has(key)) fail('record_missing', key, 'no sync record');
  return failures;
}

function ids(rows: Row[]): string {
  return rows.map((r) => String(r['Id'])).join(', ');
}
