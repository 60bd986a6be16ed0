import type { MappingKind, QboListResponse } from '@qbo-sync/contracts';
import { CliError } from '../errors.js';

// What `demo setup` maps: the billing keys the examples and `demo load` use, onto the entities the sandbox
// seeds in every company. Pure: lists in, wanted mappings out.

type QboRow = QboListResponse['items'][number];

export interface WantedMapping {
  kind: MappingKind;
  key: string;
  qboId: string;
  qboName: string;
}

export interface QboLists {
  items: QboRow[];
  paymentMethods: QboRow[];
  accounts: QboRow[];
}

/** A candidate is a name (exact, case-insensitive) or an account type. */
type Candidate = { name: string } | { type: string };

const WANTED: Array<{
  kind: MappingKind;
  key: string;
  list: keyof QboLists;
  candidates: Candidate[];
  /** Optional: when the company has none, the mapping is left out and reported. */
  optional?: boolean;
}> = [
  { kind: 'item', key: 'moving-labor', list: 'items', candidates: [{ name: 'Moving Labor' }] },
  { kind: 'item', key: 'packing-materials', list: 'items', candidates: [{ name: 'Packing Materials' }] },
  { kind: 'item', key: 'storage', list: 'items', candidates: [{ name: 'Storage' }] },
  { kind: 'item', key: 'consultation', list: 'items', candidates: [{ name: 'Consultation' }] },
  { kind: 'payment_method', key: 'card', list: 'paymentMethods', candidates: [{ name: 'Credit Card' }] },
  { kind: 'payment_method', key: 'check', list: 'paymentMethods', candidates: [{ name: 'Check' }] },
  { kind: 'payment_method', key: 'cash', list: 'paymentMethods', candidates: [{ name: 'Cash' }] },
  { kind: 'payment_method', key: 'ach', list: 'paymentMethods', candidates: [{ name: 'ACH' }] },
  {
    kind: 'deposit_account',
    key: 'USD',
    list: 'accounts',
    candidates: [{ name: 'Undeposited Funds' }, { name: 'Checking' }],
  },
  {
    kind: 'account',
    key: 'accounts_receivable',
    list: 'accounts',
    candidates: [
      { type: 'Accounts Receivable' },
      { name: 'Accounts Receivable (A/R)' },
      { name: 'Accounts Receivable' },
    ],
  },
  { kind: 'account', key: 'refund_bank', list: 'accounts', candidates: [{ name: 'Checking' }, { type: 'Bank' }] },
  // Tax lines of invoices with tax, for companies not using QBO sales tax (sync-core's SALES_TAX_ITEM_KEY).
  { kind: 'item', key: 'sales_tax', list: 'items', candidates: [{ name: 'Sales Tax' }], optional: true },
];

function find(rows: QboRow[], candidate: Candidate): QboRow | undefined {
  if ('name' in candidate) return rows.find((r) => r.name.toLowerCase() === candidate.name.toLowerCase());
  return rows.find((r) => r.type?.toLowerCase() === candidate.type.toLowerCase());
}

export interface DemoMappingPlan {
  wanted: WantedMapping[];
  /** Optional mappings the company has nothing for, as `kind key`. */
  skipped: string[];
}

export function planDemoMappings(lists: QboLists): DemoMappingPlan {
  const missing: string[] = [];
  const skipped: string[] = [];
  const wanted: WantedMapping[] = [];
  for (const w of WANTED) {
    let row: QboRow | undefined;
    for (const c of w.candidates) {
      row ??= find(lists[w.list], c);
    }
    if (row) wanted.push({ kind: w.kind, key: w.key, qboId: row.id, qboName: row.name });
    else
      missing.push(
        `${w.kind} ${w.key} (${w.candidates.map((c) => ('name' in c ? `"${c.name}"` : `a ${c.type} account`)).join(' or ')})`,
      );
  }
  if (missing.length > 0) {
    throw new CliError(
      'input_invalid',
      `The QuickBooks company lacks what the demo maps: ${missing.join('; ')}. Connect a seeded sandbox company (--realm new) or map these by hand with \`qbo-sync mappings set\`.`,
    );
  }
  return { wanted, skipped };
}
