import { z } from 'zod';
import {
  BatchRequest,
  BatchResponse,
  ErrorBody,
  EventResult,
  HealthResponse,
  Issue,
  SyncStatusResponse,
  SyncSummaryResponse,
} from './api.js';
import { Address, Customer, Invoice, InvoiceLine, ParentCustomer, Payment, Refund } from './entities.js';
import { DomainEvent, EVENT_SCHEMAS, EVENT_TYPES, type EventType } from './events.js';
import { EXAMPLE_EVENTS } from './examples.js';

// JSON Schema and OpenAPI components generated from the zod schemas: the one definition stays in zod.

export type JsonSchema = { [key: string]: unknown };

/** What each event means, for the generated documents. */
export const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'invoice.sent': 'An invoice was sent to its customer. Drafts are recorded as skipped and never posted.',
  'invoice.updated': 'An invoice changed after it was sent; it is re-synced with the QBO SyncToken.',
  'invoice.voided': 'An invoice was voided; its QBO invoice is voided too.',
  'job.closed_out': 'A completed job was billed: its final invoice plus every payment taken (deposits included).',
  'payment.accepted':
    'A payment against an invoice, or a deposit with no invoice yet (applied when the invoice syncs).',
  'payment.voided': 'A payment was voided, or an eCheck was rejected.',
  'refund.issued': 'A payment was refunded; synced as an expense against Accounts Receivable after its payment.',
  'customer.updated': "A customer was created or changed; matched or created in QBO by the tenant's strategy.",
};

/** Component names of the event schemas, e.g. `invoice.sent` → `InvoiceSentEvent`. */
export const EVENT_SCHEMA_NAMES: Record<EventType, string> = Object.fromEntries(
  EVENT_TYPES.map((t) => [
    t,
    `${t
      .split(/[._]/)
      .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
      .join('')}Event`,
  ]),
) as Record<EventType, string>;

/** A standalone JSON Schema (draft 2020-12) of one event type, everything inlined. */
export function eventJsonSchema(type: EventType): JsonSchema {
  const schema = z.toJSONSchema(EVENT_SCHEMAS[type], { io: 'input', target: 'draft-2020-12' }) as JsonSchema;
  return {
    ...schema,
    $id: `urn:qbo-sync:event:${type}:v1`,
    title: EVENT_SCHEMA_NAMES[type],
    description: EVENT_DESCRIPTIONS[type],
    examples: [EXAMPLE_EVENTS[type]],
  };
}

export function eventJsonSchemas(): Record<EventType, JsonSchema> {
  return Object.fromEntries(EVENT_TYPES.map((t) => [t, eventJsonSchema(t)])) as Record<EventType, JsonSchema>;
}

interface ComponentMeta {
  id: string;
  description?: string;
  examples?: unknown[];
}

function buildRegistry() {
  const registry = z.registry<ComponentMeta, z.core.$ZodType>();
  registry.add(Address, { id: 'Address' });
  registry.add(ParentCustomer, { id: 'ParentCustomer' });
  registry.add(Customer, { id: 'Customer' });
  registry.add(InvoiceLine, { id: 'InvoiceLine' });
  registry.add(Invoice, { id: 'Invoice' });
  registry.add(Payment, { id: 'Payment' });
  registry.add(Refund, { id: 'Refund' });
  for (const type of EVENT_TYPES) {
    registry.add(EVENT_SCHEMAS[type], {
      id: EVENT_SCHEMA_NAMES[type],
      description: EVENT_DESCRIPTIONS[type],
      examples: [EXAMPLE_EVENTS[type]],
    });
  }
  registry.add(DomainEvent, { id: 'DomainEvent', description: 'Any event, told apart by `type`.' });
  registry.add(Issue, { id: 'Issue' });
  registry.add(ErrorBody, { id: 'ErrorBody', description: 'Every error response has this shape.' });
  registry.add(EventResult, { id: 'EventResult' });
  registry.add(BatchRequest, {
    id: 'BatchRequest',
    description: 'Events validated one by one; see BatchResponse.',
  });
  registry.add(BatchResponse, { id: 'BatchResponse' });
  registry.add(SyncStatusResponse, { id: 'SyncStatusResponse' });
  registry.add(SyncSummaryResponse, {
    id: 'SyncSummaryResponse',
    description: 'A tenant\'s answer to "is everything synced?"',
  });
  registry.add(HealthResponse, { id: 'HealthResponse' });
  return registry;
}

/**
 * `components.schemas` of the OpenAPI 3.1 document: every contract schema by name, referencing each other
 * as `#/components/schemas/<Name>`.
 */
export function openApiSchemas(): Record<string, JsonSchema> {
  const registry = buildRegistry();
  const { schemas } = z.toJSONSchema(registry, {
    io: 'input',
    target: 'draft-2020-12',
    uri: (id) => `#/components/schemas/${id}`,
    // The registry names components; descriptions and examples are copied onto the generated schema here.
    override: ({ zodSchema, jsonSchema }) => {
      const meta = registry.get(zodSchema);
      if (meta?.description) jsonSchema.description = meta.description;
      if (meta?.examples) jsonSchema.examples = meta.examples;
    },
  });
  // OpenAPI components carry neither a dialect nor an $id of their own.
  return Object.fromEntries(
    Object.entries(schemas).map(([name, schema]) => {
      const { $schema: _dialect, $id: _id, ...rest } = schema as JsonSchema;
      return [name, rest];
    }),
  );
}

/** A `$ref` to a component produced by openApiSchemas(). */
export function componentRef(name: string): { $ref: string } {
  return { $ref: `#/components/schemas/${name}` };
}
