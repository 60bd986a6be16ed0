import { z } from 'zod';

// Intuit's webhook bodies, both formats while Intuit sends both (developer.intuit.com …/develop/webhooks/
// managing-webhooks-notifications; blogs.intuit.com 2025-11-12 "Upcoming change to webhooks payload structure",
// migration deadline extended to 31 Jul 2026). Unknown fields are allowed: Intuit adds them without notice.

/** The current format: an array of CloudEvents, possibly for several companies. */
export const IntuitCloudEvent = z.looseObject({
  specversion: z.string().min(1),
  id: z.string().min(1).max(200),
  /** `qbo.<entity>.<created|updated|deleted|voided|merged|emailed>.v1` */
  type: z.string().regex(/^qbo\.[a-z]+\.[a-z]+\.v\d+$/, 'must look like qbo.<entity>.<operation>.v<n>'),
  time: z.string().optional(),
  intuitentityid: z.string().min(1).max(64),
  intuitaccountid: z.string().min(1).max(64),
  data: z.unknown().optional(),
});
export const IntuitCloudEvents = z.array(IntuitCloudEvent).min(1).max(10_000);

/** The legacy format: `eventNotifications`, one entry per company. */
export const IntuitLegacyNotification = z.looseObject({
  eventNotifications: z
    .array(
      z.looseObject({
        realmId: z.string().min(1).max(64),
        dataChangeEvent: z.looseObject({
          entities: z.array(
            z.looseObject({
              name: z.string().min(1).max(64),
              id: z.string().min(1).max(64),
              operation: z.string().min(1).max(32),
              lastUpdated: z.string().max(64).optional(),
              deletedId: z.string().max(64).optional(),
            }),
          ),
        }),
      }),
    )
    .max(10_000),
});

export const IntuitWebhookBody = z.union([IntuitCloudEvents, IntuitLegacyNotification]);
export type IntuitWebhookBody = z.infer<typeof IntuitWebhookBody>;

/** One change, whatever the format: which company, which object, what happened, and a key to act on it once. */
export interface IntuitChange {
  realmId: string;
  /** QBO entity name as the API spells it (Invoice, Payment, Customer…). */
  entity: string;
  id: string;
  /** Create, Update, Delete, Void, Merge, Emailed. */
  operation: string;
  /** The same notification delivered again (a retry, a replay) has the same key. */
  key: string;
}

const OPERATION: Record<string, string> = {
  created: 'Create',
  updated: 'Update',
  deleted: 'Delete',
  voided: 'Void',
  merged: 'Merge',
  emailed: 'Emailed',
};

/** Flattens either format into changes. CloudEvents name the entity in lower case: the API's casing is restored. */
export function intuitChanges(body: IntuitWebhookBody, entityNames: readonly string[]): IntuitChange[] {
  const casing = new Map(entityNames.map((n) => [n.toLowerCase(), n]));
  if (Array.isArray(body)) {
    return body.map((e) => {
      const [, entity = '', op = ''] = e.type.split('.');
      return {
        realmId: e.intuitaccountid,
        entity: casing.get(entity) ?? entity,
        id: e.intuitentityid,
        operation: OPERATION[op] ?? op,
        key: `ce:${e.id}`,
      };
    });
  }
  return body.eventNotifications.flatMap((n) =>
    n.dataChangeEvent.entities.map((e) => ({
      realmId: n.realmId,
      entity: casing.get(e.name.toLowerCase()) ?? e.name,
      id: e.id,
      operation: e.operation,
      key: `legacy:${n.realmId}:${e.name}:${e.id}:${e.operation}:${e.lastUpdated ?? ''}`,
    })),
  );
}
