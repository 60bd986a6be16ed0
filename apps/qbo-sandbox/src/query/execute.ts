// Runs a parsed query against a realm's table, using the Id / name / DocNumber indexes when it can.
import { defFor } from '../entities/registry.js';
import type { Doc } from '../entities/types.js';
import { fault } from '../faults.js';
import { centsToDec, compareDec, type Dec, Money, parseDec } from '../money.js';
import type { Realm } from '../store.js';
import { type FieldSpec, fieldFor } from './fields.js';
import { type Condition, type Literal, parseQuery } from './parser.js';

type Pred = (doc: Doc) => boolean;

const MAX_RESULTS = 1000;

function cmp(op: Condition['op'], c: number): boolean {
  switch (op) {
    case '<':
      return c < 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '>=':
      return c >= 0;
    default:
      return c === 0;
  }
}

function likeRegex(pattern: string): RegExp {
  const body = pattern
    .split('%')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'is');
}

function decLit(lit: Literal, field: string): Dec {
  const d = lit.kind === 'bool' ? null : parseDec(lit.text);
  if (!d) throw fault.queryValidation(`value '${lit.text}' is not a valid number for property '${field}'`);
  return d;
}

function timeLit(lit: Literal, field: string): number {
  const t = Date.parse(lit.text);
  if (Number.isNaN(t))
    throw fault.queryValidation(`value '${lit.text}' is not a valid date-time for property '${field}'`);
  return t;
}

/** Builds the per-value test for one condition; `test(docValue, literal)` -> comparison result. */
function compile(spec: FieldSpec, c: Condition): Pred {
  const { op } = c;
  const name = spec.name;
  const bad = (): never => {
    throw fault.queryValidation(`operator ${op} is not supported for property '${name}'`);
  };
  const anyOf = (tests: ((v: unknown) => boolean)[]): Pred => {
    return (doc) => {
      const v = spec.get(doc);
      return tests.some((t) => t(v));
    };
  };
  switch (spec.kind) {
    case 'string': {
      if (op === 'LIKE') {
        const re = likeRegex(c.values[0]?.text ?? '');
        return anyOf([(v) => typeof v === 'string' && re.test(v)]);
      }
      // String comparisons are case-insensitive, matching QBO's case-insensitive names.
      if (op === '=' || op === 'IN') {
        const set = new Set(c.values.map((l) => l.text.toLowerCase()));
        return (doc) => {
          const v = spec.get(doc);
          return typeof v === 'string' && set.has(v.toLowerCase());
        };
      }
      const want = (c.values[0]?.text ?? '').toLowerCase();
      return anyOf([
        (v) => {
          if (typeof v !== 'string') return false;
          const x = v.toLowerCase();
          return cmp(op, x < want ? -1 : x > want ? 1 : 0);
        },
      ]);
    }
    case 'id':
    case 'ref': {
      if (op === 'LIKE') return bad();
      if (op === '=' || op === 'IN') {
        const set = new Set(c.values.map((l) => l.text));
        return (doc) => set.has(String(spec.get(doc)));
      }
      const n = Number(c.values[0]?.text);
      return (doc) => cmp(op, Number(spec.get(doc)) - n);
    }
    case 'bool': {
      if (op !== '=' && op !== 'IN') return bad();
      const set = new Set(c.values.map((l) => l.text.toLowerCase()));
      for (const v of set) {
        if (v !== 'true' && v !== 'false') throw fault.queryValidation(`value '${v}' is not a boolean for '${name}'`);
      }
      return (doc) => set.has(String(spec.get(doc) !== false));
    }
    case 'money': {
      if (op === 'LIKE') return bad();
      const lits = c.values.map((l) => decLit(l, name));
      return anyOf(lits.map((d) => (v) => v instanceof Money && cmp(op, compareDec(centsToDec(v.cents), d))));
    }
    case 'date': {
      if (op === 'LIKE') return bad();
      const lits = c.values.map((l) => {
        if (!/^\d{4}-\d{2}-\d{2}/.test(l.text))
          throw fault.queryValidation(`value '${l.text}' is not a valid date for '${name}'`);
        return l.text.slice(0, 10);
      });
      return anyOf(lits.map((d) => (v) => typeof v === 'string' && cmp(op, v < d ? -1 : v > d ? 1 : 0)));
    }
    case 'datetime': {
      if (op === 'LIKE') return bad();
      const lits = c.values.map((l) => timeLit(l, name));
      return anyOf(lits.map((t) => (v) => typeof v === 'string' && cmp(op, Date.parse(v) - t)));
    }
  }
}

function sortValue(spec: FieldSpec, doc: Doc): string | number {
  const v = spec.get(doc);
  if (v instanceof Money) return v.cents;
  if (spec.kind === 'id' || spec.kind === 'ref') return Number(v);
  if (spec.kind === 'datetime' && typeof v === 'string') return Date.parse(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  return typeof v === 'string' ? v.toLowerCase() : '';
}

export function runQuery(realm: Realm, text: string): Record<string, unknown> {
  const q = parseQuery(text.trim());
  const def = defFor(q.entity);
  if (!def) throw fault.queryParse(`Invalid entity name: ${q.entity}`);
  const table = realm.table(def.name);
  const spec = (field: string): FieldSpec => {
    const s = fieldFor(def.name, field);
    if (!s) throw fault.queryValidation(`property '${field}' is not queryable`);
    return s;
  };
  const preds: Pred[] = [];
  let candidates: Iterable<Doc> | undefined;
  let filtersActive = false;
  for (const c of q.where) {
    const s = spec(c.field);
    if (s.name === 'Active') filtersActive = true;
    preds.push(compile(s, c));
    const lit = c.values[0];
    if (candidates === undefined && c.op === '=' && lit) {
      if (s.name === 'Id') {
        const d = table.get(lit.text);
        candidates = d ? [d] : [];
      } else if (s.name === def.indexField) candidates = table.byKey(lit.text);
    }
  }
  // QBO hides inactive list entries unless the query asks about Active.
  if (def.hasActive && !filtersActive) preds.push((d) => d['Active'] !== false);
  const order = q.orderBy.map((o) => ({ spec: spec(o.field), desc: o.desc }));
  const max = q.maxResults ?? 100;
  if (max > MAX_RESULTS) throw fault.queryValidation(`value ${max} is too large. Max allowed value is ${MAX_RESULTS}`);
  if (max < 1) throw fault.queryValidation(`value ${max} for MAXRESULTS must be positive`);
  const start = q.startPosition ?? 1;
  if (start < 1) throw fault.queryValidation(`value ${start} for STARTPOSITION must be positive`);

  const rows: Doc[] = [];
  for (const d of candidates ?? table.rows.values()) if (preds.every((p) => p(d))) rows.push(d);
  if (q.count) return { totalCount: rows.length };
  if (order.length > 0) {
    rows.sort((a, b) => {
      for (const { spec: s, desc } of order) {
        const x = sortValue(s, a);
        const y = sortValue(s, b);
        if (x !== y) return (x < y ? -1 : 1) * (desc ? -1 : 1);
      }
      return Number(a.Id) - Number(b.Id);
    });
  }
  const page = rows.slice(start - 1, start - 1 + max);
  if (page.length === 0) return {};
  return { [def.name]: page, startPosition: start, maxResults: page.length };
}
