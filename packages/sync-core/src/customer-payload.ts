import type { Address, Customer, ParentCustomer } from '@qbo-sync/contracts';
import { cleanName, PERSON_NAME_MAX } from './display-name.js';
import { markerFor } from './marker.js';
import type { QboAddress, QboCustomerBody, Ref } from './qbo-types.js';

function address(a: Address | undefined): QboAddress | undefined {
  if (!a) return undefined;
  const out: QboAddress = {};
  if (a.line1) out.Line1 = a.line1;
  if (a.line2) out.Line2 = a.line2;
  if (a.city) out.City = a.city;
  if (a.region) out.CountrySubDivisionCode = a.region;
  if (a.postalCode) out.PostalCode = a.postalCode;
  if (a.country) out.Country = a.country;
  return Object.keys(out).length ? out : undefined;
}

/**
 * The QBO Customer body for a billing customer under a chosen display name. Notes carry our marker so a
 * later run recognises the customer as ours; a sub-customer gets ParentRef + Job and bills with its parent.
 */
export function buildCustomerPayload(input: {
  tenantId: string;
  customer: Customer | ParentCustomer;
  displayName: string;
  parentRef?: Ref;
}): QboCustomerBody {
  const { customer } = input;
  const body: QboCustomerBody = {
    DisplayName: input.displayName,
    Notes: markerFor(input.tenantId, 'customer', customer.id),
  };
  const given = customer.firstName ? cleanName(customer.firstName, PERSON_NAME_MAX) : '';
  const family = customer.lastName ? cleanName(customer.lastName, PERSON_NAME_MAX) : '';
  if (given) body.GivenName = given;
  if (family) body.FamilyName = family;
  if (customer.companyName) body.CompanyName = customer.companyName;
  if (customer.email) body.PrimaryEmailAddr = { Address: customer.email };
  if (customer.phone) body.PrimaryPhone = { FreeFormNumber: customer.phone };
  if ('billingAddress' in customer) {
    const bill = address(customer.billingAddress);
    const ship = address(customer.shippingAddress);
    if (bill) body.BillAddr = bill;
    if (ship) body.ShipAddr = ship;
  }
  if (input.parentRef) {
    body.ParentRef = input.parentRef;
    body.Job = true;
    body.BillWithParent = true;
  }
  return body;
}
