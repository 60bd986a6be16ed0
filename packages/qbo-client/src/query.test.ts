import { describe, expect, it } from '@jest/globals';
import { QueryBuildError, q, quote } from './query.js';

describe('query builder', () => {
  it('builds the documented form with escaped values', () => {
    const query = q
      .select('Customer')
      .where('DisplayName', '=', "O'Brien")
      .and('Active', 'IN', [true, false])
      .orderBy('Id')
      .maxResults(1000);
    expect(query.toString()).toBe(
      "SELECT * FROM Customer WHERE DisplayName = 'O\\'Brien' AND Active IN (true, false) ORDERBY Id ASC MAXRESULTS 1000",
    );
    expect(query.entity).toBe('Customer');
  });

  it('escapes backslashes before quotes so a value cannot close the string', () => {
    expect(quote('a\\b')).toBe("'a\\\\b'");
    expect(quote("\\'")).toBe("'\\\\\\''");
    // A value trying to break out stays one literal.
    const injected = q.select('Customer').where('DisplayName', '=', "x' OR Id > '0").toString();
    expect(injected).toBe("SELECT * FROM Customer WHERE DisplayName = 'x\\' OR Id > \\'0'");
  });

  it('keeps unicode and % as they are in = comparisons', () => {
    expect(q.select('Customer').where('DisplayName', '=', 'Zoë 100% 山田').toString()).toBe(
      "SELECT * FROM Customer WHERE DisplayName = 'Zoë 100% 山田'",
    );
  });

  it('renders numbers, IN lists of strings, LIKE, count, paging', () => {
    expect(
      q
        .count('Invoice')
        .where('TotalAmt', '>=', 10.5)
        .where('DocNumber', 'IN', ['A-1', "B'2"])
        .where('DocNumber', 'LIKE', 'INV%')
        .orderBy('MetaData.LastUpdatedTime', 'DESC')
        .startPosition(1001)
        .maxResults(1000)
        .toString(),
    ).toBe(
      "SELECT COUNT(*) FROM Invoice WHERE TotalAmt >= 10.5 AND DocNumber IN ('A-1', 'B\\'2') AND DocNumber LIKE 'INV%' ORDERBY MetaData.LastUpdatedTime DESC STARTPOSITION 1001 MAXRESULTS 1000",
    );
  });

  it('is immutable', () => {
    const base = q.select('Item');
    const narrowed = base.where('Name', '=', 'Storage');
    expect(base.toString()).toBe('SELECT * FROM Item');
    expect(narrowed.toString()).toBe("SELECT * FROM Item WHERE Name = 'Storage'");
  });

  it('refuses identifiers and values it cannot make safe', () => {
    expect(() => q.select('Customer; DROP')).toThrow(QueryBuildError);
    expect(() => q.select('Customer').where("DisplayName = 'x' --", '=', 'a')).toThrow(QueryBuildError);
    expect(() => q.select('Customer').orderBy('Id DESC, Name')).toThrow(QueryBuildError);
    expect(() => q.select('Customer').where('Id', 'IN', [])).toThrow(QueryBuildError);
    expect(() => q.select('Customer').where('Id', '=', ['1'])).toThrow(QueryBuildError);
    expect(() => q.select('Customer').where('Balance', '>', Number.NaN).toString()).toThrow(QueryBuildError);
    expect(() => q.select('Customer').maxResults(1001)).toThrow(QueryBuildError);
    expect(() => q.select('Customer').startPosition(0)).toThrow(QueryBuildError);
    expect(() => q.select('Customer').where('Name', 'LIKE', 5)).toThrow(QueryBuildError);
  });
});
