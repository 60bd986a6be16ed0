import { z } from 'zod';

export const SyncStatus = z.enum([
  'pending',
  'syncing',
  'synced',
  'needs_sync',
  'needs_mapping',
  'needs_reconnect',
  'waiting',
  'skipped',
  'conflict',
  'failed',
  'voided',
  /** Changed in QuickBooks by someone else (deleted, voided, edited): flagged for support, or being healed. */
  'drift',
]);
export type SyncStatus = z.infer<typeof SyncStatus>;

export const SyncEntityType = z.enum(['customer', 'invoice', 'payment', 'refund']);
export type SyncEntityType = z.infer<typeof SyncEntityType>;

/** Kinds of per-tenant mapping from a billing-side key to a QBO entity id. */
export const MappingKind = z.enum([
  'item', // billing item id -> QBO Item
  'customer', // billing customer id -> QBO Customer
  'payment_method', // billing payment method key -> QBO PaymentMethod
  'deposit_account', // currency code -> QBO Account payments are deposited to
  'tax_code', // billing tax code name -> QBO TaxCode
  'account', // 'accounts_receivable' | 'refund_bank' | 'income' -> QBO Account
]);
export type MappingKind = z.infer<typeof MappingKind>;

/** `income`: the Income account items created by `createMissingItems` post to (default: the oldest one). */
export const ACCOUNT_MAPPING_KEYS = ['accounts_receivable', 'refund_bank', 'income'] as const;

export const CustomerMatchStrategy = z.enum(['email', 'name_and_email', 'first_last_name']);

export const TenantSettings = z.object({
  /** Off: events are recorded as `needs_sync` and synced on demand (the manual sync window). */
  autoSync: z.boolean().default(true),
  autoSyncPayments: z.boolean().default(true),
  customerMatch: CustomerMatchStrategy.default('email'),
  /** Create a missing QBO item instead of parking the invoice as `needs_mapping`. */
  createMissingItems: z.boolean().default(false),
  /** Representatives/invoicees become the parent customer itself, or a sub-customer of it. */
  representatives: z.enum(['parent', 'sub_customer']).default('parent'),
  /**
   * An invoice or payment voided before it ever reached QBO: post it and void it at once (the audit trail;
   * its document number stays accounted for), or skip both (nothing in QBO).
   */
  voidsBeforeSync: z.enum(['post_and_void', 'skip']).default('post_and_void'),
  /**
   * A QBO customer made inactive that matches a billing customer: make it active again and use it (recorded in
   * the customer's attempts), or leave it and create a new one.
   */
  inactiveQboCustomers: z.enum(['reactivate', 'create_new']).default('reactivate'),
  callbackUrl: z.url().optional(),
  /**
   * What to do when an object we posted changes in QuickBooks by someone else (docs/operations.md, "Drift"):
   * `heal` puts our version back (a deleted invoice or payment is re-created, an unapplied payment re-applied,
   * an edit overwritten), `flag` marks the record `drift` for a person to decide. Edits default to flag: an
   * accountant may have meant them. A voided object is always flagged (QuickBooks cannot un-void).
   */
  driftPolicy: z
    .strictObject({
      deleted: z.enum(['heal', 'flag']).default('heal'),
      edited: z.enum(['heal', 'flag']).default('flag'),
    })
    .default({ deleted: 'heal', edited: 'flag' }),
});
export type TenantSettings = z.infer<typeof TenantSettings>;
