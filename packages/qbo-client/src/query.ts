// QBO query language builder. User data only ever enters a query through `literal()`, which escapes it.

export type QueryOperator = '=' | '<' | '>' | '<=' | '>=' | 'LIKE' | 'IN';
export type QueryScalar = string | number | boolean;
export type QueryValue = QueryScalar | readonly QueryScalar[];

/** Entities and fields are identifiers we write in code; anything else is refused, never escaped. */
const ENTITY = /^[A-Z][A-Za-z]{1,40}$/;
const FIELD = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z][A-Za-z0-9]*)*$/;
/** QBO's MAXRESULTS ceiling. */
export const MAX_RESULTS = 1000;

export class QueryBuildError extends Error {
  readonly code = 'QUERY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'QueryBuildError';
  }
}

/** Quotes a string for QBO: backslash first, then the single quote (QBO escapes both with a backslash). */
export function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function literal(value: QueryScalar): string {
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (!Number.isFinite(value)) throw new QueryBuildError(`not a finite number: ${value}`);
  return String(value);
}

interface Condition {
  field: string;
  op: QueryOperator;
  value: QueryValue;
}

interface QueryState {
  entity: string;
  count: boolean;
  conditions: readonly Condition[];
  order: readonly { field: string; dir: 'ASC' | 'DESC' }[];
  start?: number | undefined;
  max?: number | undefined;
}

function checkField(field: string): void {
  if (!FIELD.test(field)) throw new QueryBuildError(`invalid field name: ${JSON.stringify(field)}`);
}

/** An immutable query; every method returns a new one. */
export class QboQuery {
  private constructor(private readonly s: QueryState) {}

  static select(entity: string, count = false): QboQuery {
    if (!ENTITY.test(entity)) throw new QueryBuildError(`invalid entity name: ${JSON.stringify(entity)}`);
    return new QboQuery({ entity, count, conditions: [], order: [] });
  }

  get entity(): string {
    return this.s.entity;
  }

  get isCount(): boolean {
    return this.s.count;
  }

  get maxResultsValue(): number | undefined {
    return this.s.max;
  }

  get startPositionValue(): number | undefined {
    return this.s.start;
  }

  where(field: string, op: QueryOperator, value: QueryValue): QboQuery {
    checkField(field);
    if (op === 'IN') {
      if (!Array.isArray(value) || value.length === 0) throw new QueryBuildError('IN needs a non-empty array');
    } else if (Array.isArray(value)) {
      throw new QueryBuildError(`${op} needs a single value`);
    }
    if (op === 'LIKE' && typeof value !== 'string') throw new QueryBuildError('LIKE needs a string pattern');
    return new QboQuery({ ...this.s, conditions: [...this.s.conditions, { field, op, value }] });
  }

  /** QBO has no OR: every condition is ANDed, so `and` is `where`. */
  and(field: string, op: QueryOperator, value: QueryValue): QboQuery {
    return this.where(field, op, value);
  }

  orderBy(field: string, dir: 'ASC' | 'DESC' = 'ASC'): QboQuery {
    checkField(field);
    return new QboQuery({ ...this.s, order: [...this.s.order, { field, dir }] });
  }

  /** 1-based, as in QBO. */
  startPosition(n: number): QboQuery {
    if (!Number.isInteger(n) || n < 1) throw new QueryBuildError('STARTPOSITION is 1-based');
    return new QboQuery({ ...this.s, start: n });
  }

  maxResults(n: number): QboQuery {
    if (!Number.isInteger(n) || n < 1 || n > MAX_RESULTS) {
      throw new QueryBuildError(`MAXRESULTS must be 1..${MAX_RESULTS}`);
    }
    return new QboQuery({ ...this.s, max: n });
  }

  toString(): string {
    const parts = [`SELECT ${this.s.count ? 'COUNT(*)' : '*'} FROM ${this.s.entity}`];
    if (this.s.conditions.length > 0) {
      const conds = this.s.conditions.map(({ field, op, value }) =>
        Array.isArray(value)
          ? `${field} IN (${value.map(literal).join(', ')})`
          : `${field} ${op} ${literal(value as QueryScalar)}`,
      );
      parts.push(`WHERE ${conds.join(' AND ')}`);
    }
    if (this.s.order.length > 0) {
      parts.push(`ORDERBY ${this.s.order.map((o) => `${o.field} ${o.dir}`).join(', ')}`);
    }
    if (this.s.start !== undefined) parts.push(`STARTPOSITION ${this.s.start}`);
    if (this.s.max !== undefined) parts.push(`MAXRESULTS ${this.s.max}`);
    return parts.join(' ');
  }
}

/** `q.select('Customer').where('DisplayName', '=', "O'Brien").maxResults(10)` */
export const q = {
  select: (entity: string): QboQuery => QboQuery.select(entity),
  count: (entity: string): QboQuery => QboQuery.select(entity, true),
};
