import type { Customer, ParentCustomer } from '@qbo-sync/contracts';

/** QBO DisplayName limit (qbo-facts §4/§10). */
export const DISPLAY_NAME_MAX = 500;
/** GivenName / FamilyName limit. */
export const PERSON_NAME_MAX = 100;

type Named = Pick<Customer | ParentCustomer, 'id' | 'displayName' | 'companyName' | 'firstName' | 'lastName'>;

/** QBO rejects ':' (its sub-customer separator), tabs and newlines in names; collapse what is left. */
export function cleanName(value: string, max: number = DISPLAY_NAME_MAX): string {
  const cleaned = value
    .replace(/[:\t\r\n]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return Array.from(cleaned).slice(0, max).join('').trim();
}

/**
 * The QBO display name for a billing customer: its display name, else its company, else "First Last",
 * else a name built from its id (contracts guarantee some name, but cleaning may empty it).
 */
export function displayNameFor(customer: Named): string {
  const person = [customer.firstName, customer.lastName].filter(Boolean).join(' ');
  for (const candidate of [customer.displayName, customer.companyName, person]) {
    const name = candidate ? cleanName(candidate) : '';
    if (name) return name;
  }
  return cleanName(`Customer ${customer.id}`);
}

/**
 * A stable, distinct display name for a customer whose plain name is taken by another QBO name entity
 * (customers, vendors and employees share one namespace): "John Brown (C-1042)". The billing id makes
 * it unique per tenant and the same on every retry, so a retried create finds the first one.
 */
export function disambiguate(name: string, billingCustomerId: string): string {
  const suffix = ` (${cleanName(billingCustomerId, DISPLAY_NAME_MAX - 3)})`;
  const base = cleanName(name, DISPLAY_NAME_MAX - Array.from(suffix).length);
  return `${base}${suffix}`;
}

/** Case- and space-insensitive comparison, the way QBO treats name uniqueness. */
export function sameName(a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return false;
  return cleanName(a).toLowerCase() === cleanName(b).toLowerCase();
}
