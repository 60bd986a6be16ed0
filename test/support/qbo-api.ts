// What a bookkeeper does in QuickBooks and a support person does through the admin API, for e2e tests:
// writes straight through the sandbox's QBO API (a fresh token each time) and admin API calls from this
// machine (no ADMIN_TOKEN in tests: loopback requests are let in).
import type { Harness } from './harness.js';

type Row = Record<string, unknown>;

/** Writes an entity through the QBO API as someone working in QuickBooks would (create, or update with Id). */
export async function qboWrite(h: Harness, realmId: string, entity: string, body: Row): Promise<Row> {
  const tokens = (await h.admin(`/realms/${realmId}/tokens`, {})) as { access_token: string };
  const res = await fetch(`${h.sandbox.url}/v3/company/${realmId}/${entity.toLowerCase()}?minorversion=75`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${tokens.access_token}`,
      'content-type': 'application/json',
      accept: 'application/json',
    },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, Row>;
  if (res.status !== 200) throw new Error(`QBO ${entity} write: ${res.status} ${JSON.stringify(json)}`);
  return json[entity] as Row;
}

/** Marks a QBO list entity (Item, Customer, Account…) inactive, as "Make inactive" in QuickBooks does. */
export async function makeInactive(h: Harness, realmId: string, entity: string, id: string): Promise<Row> {
  const row = (await h.entities(realmId, entity)).find((r) => r['Id'] === id);
  if (!row) throw new Error(`no ${entity} ${id} in realm ${realmId}`);
  return qboWrite(h, realmId, entity, { Id: id, SyncToken: row['SyncToken'], sparse: true, Active: false });
}

/** Calls the admin API; answers status and JSON body. */
export async function adminApi(
  h: Harness,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: Row }> {
  const res = await fetch(`${h.apiUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Row) : {} };
}
