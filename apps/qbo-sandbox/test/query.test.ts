import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { RunningSandbox } from '../src/index.js';
import {
  api,
  arr,
  type Company,
  company,
  faultCode,
  faultDetail,
  type J,
  newCustomer,
  newInvoice,
  post,
  query,
  start,
} from './helpers.js';

/** DisplayName / Name / DocNumber of the rows, whatever entity the response holds. */
const names = (res: { body: J }): unknown[] => {
  const qr = res.body['QueryResponse'] ?? {};
  const rows = Object.values(qr).find((v) => Array.isArray(v));
  return arr(rows).map((r) => r['DisplayName'] ?? r['Name'] ?? r['DocNumber']);
};

describe('query language', () => {
  let sb: RunningSandbox;
  let c: Company;
  let cust: string;
  beforeAll(async () => {
    sb = await start();
    c = await company(sb);
    await newCustomer(c, 'Back\\Slash Ltd');
    await newCustomer(c, 'Zoë Ünïcode 東京');
    await newCustomer(c, 'Percent 100% Co');
    cust = await newCustomer(c, 'Query Invoices Co');
    await newInvoice(c, cust, 100, 'Q-100');
    await newInvoice(c, cust, 250.5, 'Q-200');
    await newInvoice(c, cust, 75, 'Q-300');
  });
  afterAll(() => sb.close());

  it("escaped apostrophes: O\\'Brien", async () => {
    const res = await query(c, "SELECT * FROM Customer WHERE DisplayName = 'Jane O\\'Brien'");
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(["Jane O'Brien"]);
    expect(res.body['QueryResponse']?.['startPosition']).toBe(1);
    expect(res.body['QueryResponse']?.['maxResults']).toBe(1);
  });

  it('escaped backslashes and unicode', async () => {
    expect(names(await query(c, "select * from Customer where DisplayName = 'Back\\\\Slash Ltd'"))).toEqual([
      'Back\\Slash Ltd',
    ]);
    expect(names(await query(c, "select * from Customer where DisplayName = 'Zoë Ünïcode 東京'"))).toEqual([
      'Zoë Ünïcode 東京',
    ]);
    expect(names(await query(c, "select * from Customer where DisplayName = 'Müller GmbH'"))).toEqual(['Müller GmbH']);
  });

  it('keywords, entity and field names are case-insensitive; values compare case-insensitively', async () => {
    const res = await query(c, "sElEcT * fRoM customer wHeRe displayname = 'ACME MOVING CO.'");
    expect(names(res)).toEqual(['Acme Moving Co.']);
  });

  it('POST /query with application/text', async () => {
    const res = await api(c, 'POST', '/query', "SELECT * FROM Customer WHERE DisplayName LIKE 'Acme%'");
    expect(res.status).toBe(200);
    expect(names(res)).toEqual(['Acme Moving Co.']);
  });

  it('IN, LIKE, comparison operators, AND', async () => {
    expect(
      names(await query(c, "SELECT * FROM Invoice WHERE DocNumber IN ('Q-100', 'Q-300') ORDERBY DocNumber")),
    ).toEqual(['Q-100', 'Q-300']);
    // % is always a wildcard (QBO has no escape for it); \% is just %.
    expect(names(await query(c, "SELECT * FROM Customer WHERE DisplayName LIKE '%100\\%%'"))).toEqual([
      'Percent 100% Co',
    ]);
    expect(names(await query(c, "SELECT * FROM Customer WHERE DisplayName LIKE '%Unicode%'"))).toEqual([]);
    expect(names(await query(c, "SELECT * FROM Customer WHERE DisplayName LIKE '%ünïcode%'"))).toEqual([
      'Zoë Ünïcode 東京',
    ]);
    expect(
      names(
        await query(
          c,
          `SELECT * FROM Invoice WHERE CustomerRef = '${cust}' AND TotalAmt > '99.99' AND TotalAmt <= 250.50 ORDERBY TotalAmt DESC`,
        ),
      ),
    ).toEqual(['Q-200', 'Q-100']);
    const byDate = await query(
      c,
      "SELECT * FROM Invoice WHERE TxnDate >= '2000-01-01' AND MetaData.LastUpdatedTime > '2000-01-01T00:00:00Z'",
    );
    expect(names(byDate).length).toBeGreaterThanOrEqual(3);
  });

  it('ORDERBY, STARTPOSITION (1-based) and MAXRESULTS paging; count(*)', async () => {
    const all = await query(c, `SELECT * FROM Invoice WHERE CustomerRef = '${cust}' ORDERBY DocNumber ASC`);
    expect(names(all)).toEqual(['Q-100', 'Q-200', 'Q-300']);
    const page2 = await query(
      c,
      `SELECT * FROM Invoice WHERE CustomerRef = '${cust}' ORDERBY DocNumber STARTPOSITION 2 MAXRESULTS 1`,
    );
    expect(names(page2)).toEqual(['Q-200']);
    expect(page2.body['QueryResponse']?.['startPosition']).toBe(2);
    expect(page2.body['QueryResponse']?.['maxResults']).toBe(1);
    const count = await query(c, `SELECT count(*) FROM Invoice WHERE CustomerRef = '${cust}'`);
    expect(count.body['QueryResponse']).toEqual({ totalCount: 3 });
  });

  it('an empty result has no entity key', async () => {
    const res = await query(c, "SELECT * FROM Customer WHERE DisplayName = 'Nobody'");
    expect(res.status).toBe(200);
    expect(res.body['QueryResponse']).toEqual({});
  });

  it('inactive rows are hidden unless Active is filtered', async () => {
    const id = await newCustomer(c, 'Sleepy Co');
    await post(c, '/customer', { Id: id, SyncToken: '0', sparse: true, Active: false });
    expect(names(await query(c, "SELECT * FROM Customer WHERE DisplayName LIKE 'Sleepy%'"))).toEqual([]);
    expect(
      names(await query(c, "SELECT * FROM Customer WHERE DisplayName LIKE 'Sleepy%' AND Active IN (true, false)")),
    ).toEqual(['Sleepy Co (deleted)']);
    expect(names(await query(c, "SELECT * FROM Customer WHERE Active = false AND DisplayName LIKE 'Sleepy%'"))).toEqual(
      ['Sleepy Co (deleted)'],
    );
  });

  it('MAXRESULTS over 1000 -> 4001', async () => {
    const res = await query(c, 'SELECT * FROM Customer MAXRESULTS 1001');
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('4001');
    expect(faultDetail(res)).toContain('Max allowed value is 1000');
  });

  it('non-queryable fields -> 4001 QueryValidationError', async () => {
    const res = await query(c, "SELECT * FROM Customer WHERE Notes = 'x'");
    expect(res.status).toBe(400);
    expect(faultCode(res)).toBe('4001');
    expect(faultDetail(res)).toBe("QueryValidationError: property 'Notes' is not queryable");
    expect(faultCode(await query(c, "SELECT * FROM Payment WHERE DocNumber = '1'"))).toBe('4001');
    expect(faultCode(await query(c, 'SELECT * FROM Customer ORDERBY Notes'))).toBe('4001');
  });

  it('parse errors -> 4000 QueryParserError (incl. OR, projections, unterminated strings)', async () => {
    for (const q of [
      "SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'",
      'SELECT DisplayName FROM Customer',
      "SELECT * FROM Customer WHERE DisplayName = 'oops",
      'SELECT * FROM',
      "SELECT * FROM Customer WHERE DisplayName != 'x'",
      'SELECT * FROM Customer ORDER BY DisplayName',
      'SELECT * FROM Widget',
    ]) {
      const res = await query(c, q);
      expect({ q, code: faultCode(res) }).toEqual({ q, code: '4000' });
      expect(faultDetail(res)).toMatch(/^QueryParserError: /);
    }
  });

  it('other entities: Item by Name, Account by AccountType, PaymentMethod, TaxCode', async () => {
    expect(names(await query(c, "SELECT * FROM Item WHERE Name = 'Moving Labor'"))).toEqual(['Moving Labor']);
    const banks = names(await query(c, "SELECT * FROM Account WHERE AccountType = 'Bank' ORDERBY Name"));
    expect(banks).toEqual(['Checking', 'Client Trust Account']);
    expect(names(await query(c, 'SELECT * FROM PaymentMethod ORDERBY Name'))).toEqual([
      'ACH',
      'Cash',
      'Check',
      'Credit Card',
    ]);
    expect(names(await query(c, 'select * from TaxCode'))).toEqual(['TAX', 'NON']);
  });
});
