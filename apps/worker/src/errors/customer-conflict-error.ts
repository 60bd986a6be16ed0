/** Both the plain and the disambiguated display name are taken by QBO names that are not ours. */
export class CustomerNameConflictError extends Error {
  readonly code = 'CUSTOMER_NAME_CONFLICT';
  constructor(
    readonly billingCustomerId: string,
    readonly displayName: string,
  ) {
    super(
      `QuickBooks already has names "${displayName}" that were not created by this sync for customer ${billingCustomerId}. Rename or merge the QuickBooks name, or map the customer under Mappings → Customers, then replay the sync.`,
    );
    this.name = 'CustomerNameConflictError';
  }
}
