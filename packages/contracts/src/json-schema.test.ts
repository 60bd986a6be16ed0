import { describe, expect, it } from '@jest/globals';
import { EVENT_TYPES } from './events.js';
import {
  EVENT_SCHEMA_NAMES,
  eventJsonSchema,
  eventJsonSchemas,
  type JsonSchema,
  openApiSchemas,
} from './json-schema.js';

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const n of node) collectRefs(n, out);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else collectRefs(v, out);
    }
  }
  return out;
}

function at(schema: JsonSchema, ...path: string[]): JsonSchema {
  let node: unknown = schema;
  for (const p of path) node = (node as JsonSchema)[p];
  if (!node || typeof node !== 'object') throw new Error(`nothing at ${path.join('.')}`);
  return node as JsonSchema;
}

describe('eventJsonSchema', () => {
  it.each(EVENT_TYPES)('%s: a standalone draft 2020-12 schema with the envelope required', (type) => {
    const schema = eventJsonSchema(type);
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.title).toBe(EVENT_SCHEMA_NAMES[type]);
    expect(schema.required).toEqual(['id', 'type', 'version', 'tenantId', 'occurredAt', 'data']);
    expect(at(schema, 'properties', 'type').const).toBe(type);
    expect(at(schema, 'properties', 'version').const).toBe(1);
    expect(schema.additionalProperties).toBe(false);
    expect(collectRefs(schema)).toEqual([]);
    expect(schema.examples).toHaveLength(1);
  });

  it('documents money as a decimal-string pattern, never a number', () => {
    const line = at(eventJsonSchema('invoice.sent'), 'properties', 'data', 'properties', 'lines', 'items');
    expect(at(line, 'properties', 'amount')).toMatchObject({ type: 'string', pattern: '^-?\\d{1,12}(\\.\\d{1,2})?$' });
    expect(JSON.stringify(eventJsonSchemas())).not.toMatch(/"type":"number","pattern"/);
  });

  it('marks defaulted fields optional on input', () => {
    const schema = eventJsonSchema('payment.voided');
    expect(schema.required).not.toContain('source');
    expect(at(schema, 'properties', 'source').default).toBe('live');
  });
});

describe('openApiSchemas', () => {
  const schemas = openApiSchemas();

  it('names every event and API body, and every $ref resolves', () => {
    for (const type of EVENT_TYPES) expect(schemas[EVENT_SCHEMA_NAMES[type]]).toBeDefined();
    for (const name of [
      'DomainEvent',
      'BatchRequest',
      'BatchResponse',
      'EventResult',
      'ErrorBody',
      'SyncStatusResponse',
      'SyncSummaryResponse',
    ])
      expect(schemas[name]).toBeDefined();
    const refs = collectRefs(schemas);
    expect(refs.length).toBeGreaterThan(10);
    for (const ref of refs) {
      expect(ref).toMatch(/^#\/components\/schemas\//);
      expect(schemas[ref.replace('#/components/schemas/', '')]).toBeDefined();
    }
  });

  it('carries no $schema/$id (not allowed in components) and keeps descriptions and examples', () => {
    for (const schema of Object.values(schemas)) {
      expect(schema.$schema).toBeUndefined();
      expect(schema.$id).toBeUndefined();
    }
    expect(schemas.RefundIssuedEvent?.description).toContain('Accounts Receivable');
    expect(schemas.RefundIssuedEvent?.examples).toHaveLength(1);
    expect(at(schemas.DomainEvent ?? {}, 'oneOf')).toHaveLength(EVENT_TYPES.length);
  });

  it('describes the error body the API always returns', () => {
    const error = at(schemas.ErrorBody ?? {}, 'properties', 'error');
    expect(error.required).toEqual(['code', 'message']);
  });
});
