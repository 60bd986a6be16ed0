import type { Customer, ParentCustomer, TenantSettings } from '@qbo-sync/contracts';
import { disambiguate, displayNameFor, sameName } from './display-name.js';
import { isMarkedAs, parseMarker } from './marker.js';
import type { QboCustomer } from './qbo-types.js';

type MatchStrategy = TenantSettings['customerMatch'];
type InactivePolicy = TenantSettings['inactiveQboCustomers'];

/** QBO renames a customer it makes inactive "<name> (deleted)" (or "(deleted-1)"…), freeing the name. */
const DELETED_SUFFIX = / \(deleted(?:-\d+)?\)$/;

/** The name an inactive QBO customer had while active (QBO appended " (deleted)"); an active one's own name. */
export function nameWhileActive(c: Pick<QboCustomer, 'DisplayName' | 'Active'>): string {
  return c.Active === false ? c.DisplayName.replace(DELETED_SUFFIX, '') : c.DisplayName;
}

/** The display names our customers carry once made inactive in QBO, to find them by name as well. */
export function inactiveNames(names: readonly string[]): string[] {
  return names.map((n) => `${n} (deleted)`);
}
export type BillingCustomer = Customer | ParentCustomer;

/** Filterable Customer fields we query on (qbo-facts §5). QBO queries have no OR: one query per alternative. */
export type CustomerQueryField = 'DisplayName' | 'PrimaryEmailAddr' | 'GivenName' | 'FamilyName';
export interface CustomerQuery {
  /** Conditions joined by AND. */
  where: { field: CustomerQueryField; value: string }[];
}

/**
 * Queries that find a QBO customer we created earlier for this billing customer (a crash after QBO
 * committed, a concurrent job): our two possible display names. Run before the strategy's queries.
 */
export function ownershipQueries(customer: BillingCustomer): CustomerQuery[] {
  const name = displayNameFor(customer);
  return [
    { where: [{ field: 'DisplayName', value: name }] },
    { where: [{ field: 'DisplayName', value: disambiguate(name, customer.id) }] },
  ];
}

/** The tenant's match strategy as QBO queries; empty when the customer lacks the fields it needs. */
export function strategyQueries(strategy: MatchStrategy, customer: BillingCustomer): CustomerQuery[] {
  switch (strategy) {
    case 'email':
      return customer.email ? [{ where: [{ field: 'PrimaryEmailAddr', value: customer.email }] }] : [];
    case 'name_and_email':
      // Filter by name in QBO, compare the email here: fewer rows than filtering by a shared email.
      return customer.email ? [{ where: [{ field: 'DisplayName', value: displayNameFor(customer) }] }] : [];
    case 'first_last_name':
      if (customer.firstName && customer.lastName) {
        return [
          {
            where: [
              { field: 'GivenName', value: customer.firstName },
              { field: 'FamilyName', value: customer.lastName },
            ],
          },
        ];
      }
      return [{ where: [{ field: 'DisplayName', value: displayNameFor(customer) }] }];
  }
}

/** Renders a query in QBO's SQL-like language; `'` and `\` escaped with a backslash (qbo-facts §11). */
export function renderCustomerQuery(q: CustomerQuery): string {
  const conds = q.where.map((c) => `${c.field} = '${escapeQueryValue(c.value)}'`).join(' AND ');
  return `SELECT * FROM Customer WHERE ${conds}`;
}

export function escapeQueryValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
}

export type CustomerChoice =
  /** Carries our marker for this billing customer: created by us earlier. */
  | { kind: 'ours'; customer: QboCustomer }
  /** Matches the tenant's strategy and is not someone else's: adopt it. */
  | { kind: 'match'; customer: QboCustomer }
  // Either may be inactive (`customer.Active === false`) under `inactiveQboCustomers: reactivate`: the caller
  // makes it active again before using it.
  /** Nothing to adopt. `nameTaken`: a different QBO customer already uses our plain display name. */
  | { kind: 'none'; nameTaken: boolean };

const sameEmail = (a: string | undefined, b: string | undefined) =>
  a !== undefined && b !== undefined && a.trim().toLowerCase() === b.trim().toLowerCase();

/** Oldest first (QBO ids are increasing numbers), so every worker picks the same candidate. */
function byId(a: QboCustomer, b: QboCustomer): number {
  const x = Number(a.Id);
  const y = Number(b.Id);
  return Number.isNaN(x) || Number.isNaN(y) ? a.Id.localeCompare(b.Id) : x - y;
}

/**
 * Chooses among QBO candidates for a billing customer. A candidate marked for another billing entity
 * is never adopted (it is someone else's customer that happens to share a name or email); a same-name
 * candidate with a different email is not ours under `name_and_email` — the caller then creates the
 * customer under the disambiguated name. Inactive candidates count only under `inactive: reactivate`, and
 * after every active one (an active match is used as it is); under `create_new` they are ignored.
 */
export function chooseCustomer(input: {
  tenantId: string;
  strategy: MatchStrategy;
  customer: BillingCustomer;
  candidates: readonly QboCustomer[];
  inactive: InactivePolicy;
}): CustomerChoice {
  const { tenantId, strategy, customer } = input;
  const rank = (c: QboCustomer) => (c.Active === false ? 1 : 0);
  const candidates = dedupe(input.candidates)
    .filter((c) => c.Active !== false || input.inactive === 'reactivate')
    .sort((a, b) => rank(a) - rank(b) || byId(a, b));
  const expected = { tenantId, entityType: 'customer' as const, externalId: customer.id };
  const ours = candidates.find((c) => isMarkedAs(c.Notes, expected));
  if (ours) return { kind: 'ours', customer: ours };

  const name = displayNameFor(customer);
  const free = candidates.filter((c) => parseMarker(c.Notes) === undefined);
  const match = free.find((c) => matches(strategy, customer, name, c));
  if (match) return { kind: 'match', customer: match };
  // Inactive customers no longer hold their name (QBO renamed them).
  return { kind: 'none', nameTaken: candidates.some((c) => c.Active !== false && sameName(c.DisplayName, name)) };
}

function matches(strategy: MatchStrategy, customer: BillingCustomer, name: string, c: QboCustomer): boolean {
  const email = c.PrimaryEmailAddr?.Address;
  switch (strategy) {
    case 'email':
      return sameEmail(customer.email, email);
    case 'name_and_email':
      return sameName(nameWhileActive(c), name) && sameEmail(customer.email, email);
    case 'first_last_name':
      if (customer.firstName && customer.lastName) {
        return sameName(c.GivenName, customer.firstName) && sameName(c.FamilyName, customer.lastName);
      }
      return sameName(nameWhileActive(c), name);
  }
}

function dedupe(list: readonly QboCustomer[]): QboCustomer[] {
  const seen = new Map<string, QboCustomer>();
  for (const c of list) if (!seen.has(c.Id)) seen.set(c.Id, c);
  return [...seen.values()];
}

/**
 * Which billing customers an entity needs in QBO, parent first, and which one the transaction is for.
 * Representatives/invoicees bill to their parent: as the parent itself, or as a sub-customer of it.
 */
export function customerChain(
  customer: Customer,
  representatives: TenantSettings['representatives'],
): { chain: { customer: BillingCustomer; parentId?: string }[]; billTo: string } {
  if (!customer.parent) return { chain: [{ customer }], billTo: customer.id };
  if (representatives === 'parent') return { chain: [{ customer: customer.parent }], billTo: customer.parent.id };
  return {
    chain: [{ customer: customer.parent }, { customer, parentId: customer.parent.id }],
    billTo: customer.id,
  };
}
