import { describe, expect, it } from '@jest/globals';
import type { Customer } from '@qbo-sync/contracts';
import {
  chooseCustomer,
  customerChain,
  escapeQueryValue,
  ownershipQueries,
  renderCustomerQuery,
  strategyQueries,
} from './customer-match.js';
import { buildCustomerPayload } from './customer-payload.js';
import type { QboCustomer } from './qbo-types.js';

const john: Customer = { id: 'C-1042', firstName: 'John', lastName: 'Brown', email: 'John.Brown@example.com' };
const marker = (id: string) => `qbo-sync:acme:customer:${id}`;
const qbo = (over: Partial<QboCustomer> & { Id: string }): QboCustomer => ({ DisplayName: 'John Brown', ...over });

describe('customer queries', () => {
  it('looks for our own customer under both possible display names', () => {
    expect(ownershipQueries(john).map(renderCustomerQuery)).toEqual([
      "SELECT * FROM Customer WHERE DisplayName = 'John Brown'",
      "SELECT * FROM Customer WHERE DisplayName = 'John Brown (C-1042)'",
    ]);
  });

  it('turns each strategy into QBO filters', () => {
    expect(strategyQueries('email', john).map(renderCustomerQuery)).toEqual([
      "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'John.Brown@example.com'",
    ]);
    expect(strategyQueries('name_and_email', john).map(renderCustomerQuery)).toEqual([
      "SELECT * FROM Customer WHERE DisplayName = 'John Brown'",
    ]);
    expect(strategyQueries('first_last_name', john).map(renderCustomerQuery)).toEqual([
      "SELECT * FROM Customer WHERE GivenName = 'John' AND FamilyName = 'Brown'",
    ]);
    expect(strategyQueries('email', { id: 'C1', companyName: 'No Mail Inc' })).toEqual([]);
    expect(strategyQueries('first_last_name', { id: 'C1', companyName: 'Acme' }).map(renderCustomerQuery)).toEqual([
      "SELECT * FROM Customer WHERE DisplayName = 'Acme'",
    ]);
  });

  it('escapes quotes and backslashes', () => {
    expect(escapeQueryValue("O'Brien \\ Co")).toBe("O\\'Brien \\\\ Co");
  });
});

describe('chooseCustomer', () => {
  const choose = (strategy: 'email' | 'name_and_email' | 'first_last_name', candidates: QboCustomer[]) =>
    chooseCustomer({ tenantId: 'acme', strategy, customer: john, candidates, inactive: 'create_new' });

  it('prefers the customer carrying our marker, whatever the strategy', () => {
    const ours = qbo({ Id: '9', DisplayName: 'John Brown (C-1042)', Notes: marker('C-1042') });
    expect(choose('email', [qbo({ Id: '3', PrimaryEmailAddr: { Address: 'john.brown@example.com' } }), ours])).toEqual({
      kind: 'ours',
      customer: ours,
    });
  });

  it('matches by email case-insensitively and picks the oldest', () => {
    const a = qbo({ Id: '12', PrimaryEmailAddr: { Address: 'JOHN.BROWN@example.com' } });
    const b = qbo({ Id: '4', DisplayName: 'J Brown', PrimaryEmailAddr: { Address: 'john.brown@example.com' } });
    expect(choose('email', [a, b])).toEqual({ kind: 'match', customer: b });
  });

  it('under name_and_email, the same name with a different email is not ours', () => {
    const other = qbo({ Id: '5', PrimaryEmailAddr: { Address: 'other.john@example.com' } });
    expect(choose('name_and_email', [other])).toEqual({ kind: 'none', nameTaken: true });
    const same = qbo({ Id: '6', PrimaryEmailAddr: { Address: 'john.brown@example.com' } });
    expect(choose('name_and_email', [other, same])).toEqual({ kind: 'match', customer: same });
  });

  it('matches first + last name', () => {
    const c = qbo({ Id: '7', DisplayName: 'Brown, John', GivenName: 'john', FamilyName: 'BROWN' });
    expect(choose('first_last_name', [c])).toEqual({ kind: 'match', customer: c });
  });

  it('never adopts a customer created for another billing customer, nor an inactive one', () => {
    const someoneElse = qbo({ Id: '8', PrimaryEmailAddr: { Address: 'john.brown@example.com' }, Notes: marker('C-7') });
    const inactive = qbo({ Id: '2', PrimaryEmailAddr: { Address: 'john.brown@example.com' }, Active: false });
    expect(choose('email', [someoneElse, inactive])).toEqual({ kind: 'none', nameTaken: true });
  });

  it('under reactivate, matches an inactive customer (by its name before QBO renamed it) only when no active one does', () => {
    const inactive = qbo({
      Id: '2',
      DisplayName: 'John Brown (deleted)',
      PrimaryEmailAddr: { Address: 'john.brown@example.com' },
      Active: false,
    });
    const pick = (strategy: 'email' | 'name_and_email' | 'first_last_name', candidates: QboCustomer[]) =>
      chooseCustomer({ tenantId: 'acme', strategy, customer: john, candidates, inactive: 'reactivate' });
    expect(pick('email', [inactive])).toEqual({ kind: 'match', customer: inactive });
    expect(pick('name_and_email', [inactive])).toEqual({ kind: 'match', customer: inactive });
    const active = qbo({ Id: '9', DisplayName: 'J. Brown', PrimaryEmailAddr: { Address: 'john.brown@example.com' } });
    expect(pick('email', [inactive, active])).toEqual({ kind: 'match', customer: active });
    const ours = qbo({ Id: '3', DisplayName: 'John Brown (deleted)', Notes: marker('C-1042'), Active: false });
    expect(pick('email', [ours, active])).toEqual({ kind: 'ours', customer: ours });
    // The renamed inactive customer does not hold the plain name.
    expect(choose('email', [inactive])).toEqual({ kind: 'none', nameTaken: false });
  });

  it('reports a free name when nothing matches', () => {
    expect(choose('email', [])).toEqual({ kind: 'none', nameTaken: false });
  });
});

describe('customerChain', () => {
  const rep: Customer = { id: 'R-1', firstName: 'Ann', lastName: 'Lee', parent: { id: 'P-1', companyName: 'Lee Law' } };

  it('bills representatives to the parent itself', () => {
    expect(customerChain(rep, 'parent')).toEqual({ chain: [{ customer: rep.parent }], billTo: 'P-1' });
  });

  it('or to a sub-customer of the parent, parent first', () => {
    expect(customerChain(rep, 'sub_customer')).toEqual({
      chain: [{ customer: rep.parent }, { customer: rep, parentId: 'P-1' }],
      billTo: 'R-1',
    });
  });

  it('bills a plain customer to itself', () => {
    expect(customerChain(john, 'sub_customer')).toEqual({ chain: [{ customer: john }], billTo: 'C-1042' });
  });
});

describe('buildCustomerPayload', () => {
  it('writes the display name, person fields and our marker', () => {
    expect(buildCustomerPayload({ tenantId: 'acme', customer: john, displayName: 'John Brown' })).toEqual({
      DisplayName: 'John Brown',
      GivenName: 'John',
      FamilyName: 'Brown',
      PrimaryEmailAddr: { Address: 'John.Brown@example.com' },
      Notes: 'qbo-sync:acme:customer:C-1042',
    });
  });

  it('makes a sub-customer billed with its parent', () => {
    const body = buildCustomerPayload({
      tenantId: 'acme',
      customer: { id: 'R-1', firstName: 'Ann:', lastName: 'Lee', billingAddress: { city: 'Boston', region: 'MA' } },
      displayName: 'Ann Lee',
      parentRef: { value: '55' },
    });
    expect(body).toMatchObject({ GivenName: 'Ann', ParentRef: { value: '55' }, Job: true, BillWithParent: true });
    expect(body.BillAddr).toEqual({ City: 'Boston', CountrySubDivisionCode: 'MA' });
  });
});
