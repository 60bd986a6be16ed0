import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { getMapping } from '@qbo-sync/db/repositories/mappings';
import { waitFor } from '@qbo-sync/testkit';
import { customer, event, type Harness, invoiceData, startHarness, type Tenant } from '../../support/harness.js';

type Row = Record<string, unknown>;

describe('customers: find or create, never twice', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('customers');
  });
  afterAll(async () => {
    await h.close();
  });

  const named = async (t: Tenant, prefix: string) =>
    (await h.entities(t.realmId, 'Customer')).filter((c) => String(c['DisplayName']).startsWith(prefix));
  const customerOf = async (t: Tenant, invoiceId: string) => {
    const rec = await h.waitStatus(t.id, 'invoice', invoiceId, 'synced');
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    return (inv?.['CustomerRef'] as { value: string } | undefined)?.value ?? '';
  };

  /** A name entity created straight through the QBO API (a bookkeeper's own data). */
  async function createInQbo(t: Tenant, entity: 'vendor' | 'customer', body: Row): Promise<Row> {
    const tokens = (await h.admin(`/realms/${t.realmId}/tokens`, {})) as { access_token: string };
    const res = await fetch(`${h.sandbox.url}/v3/company/${t.realmId}/${entity}?minorversion=75`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const json = (await res.json()) as Record<string, Row>;
    return (json['Vendor'] ?? json['Customer']) as Row;
  }

  it('gives a second billing customer with the same name a stable disambiguated display name', async () => {
    const t = await h.tenant();
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ id: 'INV-A', number: 'A-1', customer: customer('C-1') })),
    );
    const first = await customerOf(t, 'INV-A');
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ id: 'INV-B', number: 'B-1', customer: customer('C-2') })),
    );
    const second = await customerOf(t, 'INV-B');
    const johns = await named(t, 'John Brown');
    expect(johns.map((c) => [c['Id'], c['DisplayName']]).sort()).toEqual(
      [
        [first, 'John Brown'],
        [second, 'John Brown (C-2)'],
      ].sort(),
    );
    const rec = await h.record(t.id, 'customer', 'C-2');
    expect(rec).toMatchObject({
      status: 'synced',
      qboId: second,
      qboUrl: `${h.sandbox.url}/app/customerdetail?nameId=${second}`,
    });
  });

  it('resolves a collision with a vendor of the same name (QBO error 6240) with the disambiguated name', async () => {
    const t = await h.tenant();
    await createInQbo(t, 'vendor', { DisplayName: 'Ann Lee' });
    await h.publish(
      event(
        t.id,
        'invoice.sent',
        invoiceData({ customer: customer('C-9', { firstName: 'Ann', lastName: 'Lee', email: 'ann@example.com' }) }),
      ),
    );
    const id = await customerOf(t, 'INV-1');
    expect(await named(t, 'Ann Lee')).toEqual([expect.objectContaining({ Id: id, DisplayName: 'Ann Lee (C-9)' })]);
    const stats = (await h.admin(`/realms/${t.realmId}/stats`)) as { faultsByCode: Record<string, number> };
    expect(stats.faultsByCode['6240']).toBe(1);
  });

  it('creates exactly one customer when several jobs for a new customer run at once', async () => {
    const t = await h.tenant();
    const ids = ['A', 'B', 'C', 'D', 'E'];
    await Promise.all(
      ids.map((x) =>
        h.publish(
          event(t.id, 'invoice.sent', invoiceData({ id: `INV-${x}`, number: `N-${x}`, customer: customer('C-50') })),
        ),
      ),
    );
    const refs = new Set<string>();
    for (const x of ids) refs.add(await customerOf(t, `INV-${x}`));
    const johns = await named(t, 'John Brown');
    expect(johns).toHaveLength(1);
    expect([...refs]).toEqual([johns[0]?.['Id']]);
    expect(await h.entities(t.realmId, 'Invoice')).toHaveLength(5);
  });

  it('creates exactly one customer when QBO commits the create and the connection drops', async () => {
    const t = await h.tenant();
    await h.admin(`/realms/${t.realmId}/faults`, {
      kind: 'commit-then-drop',
      times: 1,
      match: { method: 'POST', entity: 'customer', operation: 'create' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const id = await customerOf(t, 'INV-1');
    expect((await named(t, 'John Brown')).map((c) => c['Id'])).toEqual([id]);
  });

  it('adopts the customer an earlier, crashed run created (our marker), under either of our names', async () => {
    const t = await h.tenant();
    // A crash after QBO created "John Brown (C-1)" but before the mapping was stored.
    const earlier = await createInQbo(t, 'customer', {
      DisplayName: 'John Brown (C-1)',
      Notes: `qbo-sync:${t.id}:customer:C-1`,
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const id = await customerOf(t, 'INV-1');
    expect(id).toBe(earlier['Id']);
    expect(await named(t, 'John Brown')).toHaveLength(1);
    expect((await getMapping(h.db.db, t.id, 'customer', 'C-1'))?.qboId).toBe(earlier['Id']);
  });

  it('adopts an existing QBO customer with the same email under the email strategy', async () => {
    const t = await h.tenant({ customerMatch: 'email' });
    const existing = await createInQbo(t, 'customer', {
      DisplayName: 'J. Brown',
      PrimaryEmailAddr: { Address: 'john.brown.c-1@example.com' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    expect(await customerOf(t, 'INV-1')).toBe(existing['Id']);
    expect(await h.entities(t.realmId, 'Customer')).toHaveLength(t.seeded.customers.length + 1);
  });

  it('does not adopt a same-name customer with another email under name_and_email', async () => {
    const t = await h.tenant({ customerMatch: 'name_and_email' });
    const other = await createInQbo(t, 'customer', {
      DisplayName: 'John Brown',
      PrimaryEmailAddr: { Address: 'another.john@example.com' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const id = await customerOf(t, 'INV-1');
    expect(id).not.toBe(other['Id']);
    expect((await named(t, 'John Brown')).map((c) => c['DisplayName']).sort()).toEqual([
      'John Brown',
      'John Brown (C-1)',
    ]);
  });

  it('matches by first and last name under first_last_name', async () => {
    const t = await h.tenant({ customerMatch: 'first_last_name' });
    const existing = await createInQbo(t, 'customer', {
      DisplayName: 'Brown, John',
      GivenName: 'John',
      FamilyName: 'Brown',
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    expect(await customerOf(t, 'INV-1')).toBe(existing['Id']);
  });

  it('updates the QBO customer on customer.updated', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const id = await customerOf(t, 'INV-1');
    await h.publish(
      event(
        t.id,
        'customer.updated',
        customer('C-1', { email: 'new.address@example.com', phone: '+1 555 0100' }),
        60_000,
      ),
    );
    const updated = await waitFor(async () => {
      const c = (await h.entities(t.realmId, 'Customer')).find((x) => x['Id'] === id);
      return (c?.['PrimaryEmailAddr'] as Row | undefined)?.['Address'] === 'new.address@example.com' ? c : undefined;
    });
    const rec = await waitFor(async () => {
      const r = await h.record(t.id, 'customer', 'C-1');
      return r?.syncToken === updated['SyncToken'] ? r : undefined;
    });
    expect(rec).toMatchObject({ status: 'synced', qboId: id });
    expect(updated).toMatchObject({
      Id: id,
      DisplayName: 'John Brown',
      PrimaryPhone: { FreeFormNumber: '+1 555 0100' },
    });
    expect(await named(t, 'John Brown')).toHaveLength(1);
  });

  it('customer.updated brings a customer it finds in QBO without a mapping up to date (crash after the create)', async () => {
    const t = await h.tenant();
    // An invoice's find-or-create made the customer from the invoice's copy (old e-mail), and the worker died
    // before storing the mapping: QBO has the customer, we have no mapping.
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ customer: customer('C-7', { email: 'old@example.com' }) })),
    );
    const id = await customerOf(t, 'INV-1');
    await h.db.sql`delete from mappings where tenant_id = ${t.id} and kind = 'customer' and external_key = 'C-7'`;
    await h.publish(event(t.id, 'customer.updated', customer('C-7', { email: 'new@example.com' })));
    const fresh = await waitFor(async () => {
      const c = (await h.entities(t.realmId, 'Customer')).find((x) => x['Id'] === id);
      const email = (c?.['PrimaryEmailAddr'] as { Address?: string } | undefined)?.Address;
      const rec = await h.record(t.id, 'customer', 'C-7');
      return rec?.status === 'synced' && rec.lastEventId !== null && email === 'new@example.com' ? c : undefined;
    });
    expect(fresh).toMatchObject({ Id: id });
    expect(await named(t, 'John Brown')).toHaveLength(1);
  });

  it('bills a representative as a sub-customer of the parent when the tenant asks for it', async () => {
    const t = await h.tenant({ representatives: 'sub_customer' });
    const rep = customer('R-1', {
      firstName: 'Ann',
      lastName: 'Lee',
      email: 'ann@lee-law.example',
      parent: { id: 'P-1', companyName: 'Lee Law LLP' },
    });
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ customer: rep })));
    const id = await customerOf(t, 'INV-1');
    const all = await h.entities(t.realmId, 'Customer');
    const parent = all.find((c) => c['DisplayName'] === 'Lee Law LLP');
    const sub = all.find((c) => c['Id'] === id);
    expect(parent).toBeDefined();
    expect(sub).toMatchObject({ Job: true, ParentRef: { value: parent?.['Id'] } });
  });
});
