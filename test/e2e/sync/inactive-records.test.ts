import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { customer, event, type Harness, invoiceData, startHarness, type Tenant } from '../../support/harness.js';
import { adminApi, makeInactive, qboWrite } from '../../support/qbo-api.js';

type Row = Record<string, unknown>;

const itemIdsOf = (inv: Row | undefined) =>
  ((inv?.['Line'] ?? []) as Row[])
    .filter((l) => l['DetailType'] === 'SalesItemLineDetail')
    .map((l) => ((l['SalesItemLineDetail'] as Row)['ItemRef'] as Row)['value']);

describe('inactive records on either side', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness('inactive');
  });
  afterAll(async () => {
    await h.close();
  });

  /** The bookkeeper's own customer for billing customer C-1 (same e-mail), made inactive in QuickBooks. */
  async function inactiveQboCustomer(t: Tenant): Promise<string> {
    const made = await qboWrite(h, t.realmId, 'Customer', {
      DisplayName: 'John Brown',
      PrimaryEmailAddr: { Address: customer('C-1').email },
    });
    const inactive = await makeInactive(h, t.realmId, 'Customer', String(made['Id']));
    expect(inactive).toMatchObject({ Active: false, DisplayName: 'John Brown (deleted)' });
    return String(made['Id']);
  }
  const johns = async (t: Tenant) =>
    (await h.entities(t.realmId, 'Customer'))
      .filter((c) => String(c['DisplayName']).startsWith('John Brown'))
      .map((c) => ({ Id: c['Id'], DisplayName: c['DisplayName'], Active: c['Active'] }));

  it('matches an inactive QBO customer and makes it active again by default, recording it in the attempts', async () => {
    const t = await h.tenant();
    const qboId = await inactiveQboCustomer(t);
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    expect(inv?.['CustomerRef']).toMatchObject({ value: qboId });
    // One John Brown, active again under his own name: no second customer beside the old one.
    expect(await johns(t)).toEqual([{ Id: qboId, DisplayName: 'John Brown', Active: true }]);
    const cust = await h.waitStatus(t.id, 'customer', 'C-1', 'synced');
    expect(cust.qboId).toBe(qboId);
    const attempts = await h.attempts(cust.id);
    expect(attempts.map((a) => [a.outcome, a.status])).toContainEqual(['reactivated', 'synced']);
    expect(attempts.find((a) => a.outcome === 'reactivated')?.message).toBe(
      `Matched QuickBooks customer 'John Brown (deleted)' (id ${qboId}), which was inactive, and made it active again as 'John Brown' (setting inactiveQboCustomers: reactivate; set it to create_new to create a new customer instead).`,
    );
  });

  it('with inactiveQboCustomers create_new, leaves the inactive customer alone and creates a new one', async () => {
    const t = await h.tenant({ inactiveQboCustomers: 'create_new' });
    const qboId = await inactiveQboCustomer(t);
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    const used = (inv?.['CustomerRef'] as Row | undefined)?.['value'];
    expect(used).not.toBe(qboId);
    expect(await johns(t)).toEqual([
      { Id: qboId, DisplayName: 'John Brown (deleted)', Active: false },
      { Id: used, DisplayName: 'John Brown', Active: true },
    ]);
  });

  it('maps a customer inactive in the billing system like an active one', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'customer.updated', customer('C-7', { active: false })));
    const cust = await h.waitStatus(t.id, 'customer', 'C-7', 'synced');
    await h.publish(
      event(t.id, 'invoice.sent', invoiceData({ id: 'INV-7', customer: customer('C-7', { active: false }) })),
    );
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-7', 'synced');
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    expect(inv?.['CustomerRef']).toMatchObject({ value: cust.qboId });
    const qbo = (await h.entities(t.realmId, 'Customer')).find((c) => c['Id'] === cust.qboId);
    expect(qbo?.['Active']).toBe(true);
  });

  it('pickers list inactive QBO items, accounts and customers, marked; support finds a customer by name or e-mail and maps it by hand', async () => {
    const t = await h.tenant();
    await makeInactive(h, t.realmId, 'Item', t.seeded.items.storage);
    await makeInactive(h, t.realmId, 'Account', t.seeded.accounts.clientTrust);
    const ann = await qboWrite(h, t.realmId, 'Customer', {
      DisplayName: 'Ann Lee Consulting',
      PrimaryEmailAddr: { Address: 'billing@annlee.example' },
    });
    const old = await qboWrite(h, t.realmId, 'Customer', { DisplayName: 'Ann Lee' });
    await makeInactive(h, t.realmId, 'Customer', String(old['Id']));
    const list = async (name: string, q?: string) => {
      const res = await adminApi(
        h,
        'GET',
        `/admin/tenants/${t.id}/qbo/${name}${q ? `?q=${encodeURIComponent(q)}` : ''}`,
      );
      expect(res.status).toBe(200);
      return res.body['items'] as Row[];
    };

    const items = await list('items');
    expect(items).toContainEqual({
      id: t.seeded.items.storage,
      name: 'Storage (deleted)',
      type: 'Service',
      active: false,
    });
    expect(items).toContainEqual({
      id: t.seeded.items.movingLabor,
      name: 'Moving Labor',
      type: 'Service',
      active: true,
    });
    const accounts = await list('accounts');
    expect(accounts).toContainEqual(
      expect.objectContaining({ id: t.seeded.accounts.clientTrust, type: 'Bank', active: false }),
    );

    // By part of the name: the active one and the inactive one, marked.
    expect(await list('customers', 'ann lee')).toEqual([
      { id: old['Id'], name: 'Ann Lee (deleted)', active: false },
      { id: ann['Id'], name: 'Ann Lee Consulting', active: true, email: 'billing@annlee.example' },
    ]);
    // By e-mail.
    expect(await list('customers', 'annlee.example')).toEqual([
      { id: ann['Id'], name: 'Ann Lee Consulting', active: true, email: 'billing@annlee.example' },
    ]);
    const refused = await adminApi(h, 'GET', `/admin/tenants/${t.id}/qbo/customers?q=${'x'.repeat(101)}`);
    expect(refused.status).toBe(400);

    // Mapped by hand: the billing customer's invoices go to that QBO customer, no search, no create.
    const put = await adminApi(h, 'PUT', `/admin/tenants/${t.id}/mappings/customer/C-ANN`, {
      qboId: ann['Id'],
      qboName: ann['DisplayName'],
    });
    expect(put.status).toBe(200);
    await h.publish(
      event(
        t.id,
        'invoice.sent',
        invoiceData({
          customer: customer('C-ANN', { firstName: 'Ann', lastName: 'Lee', email: 'ann@elsewhere.example' }),
        }),
      ),
    );
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    expect(inv?.['CustomerRef']).toMatchObject({ value: ann['Id'] });
  });

  it('parks an invoice whose mapped item was made inactive in QuickBooks as needs_mapping naming it, and resumes when re-mapped', async () => {
    const t = await h.tenant();
    await h.publish(event(t.id, 'invoice.sent', invoiceData()));
    await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');

    // The bookkeeper makes "Moving Labor" inactive; QBO renames it "Moving Labor (deleted)".
    await makeInactive(h, t.realmId, 'Item', t.seeded.items.movingLabor);
    await h.publish(event(t.id, 'invoice.updated', invoiceData({ memo: 'Thanks!' }), 1000));
    // A new invoice meets the same item on its create.
    await h.publish(event(t.id, 'invoice.sent', invoiceData({ id: 'INV-2', number: 'INV-1002' })));

    for (const id of ['INV-1', 'INV-2']) {
      const parked = await h.waitStatus(t.id, 'invoice', id, 'needs_mapping');
      expect(parked.reasonCode).toBe('STALE_MAPPING');
      expect(parked.details).toEqual({
        missing: [
          {
            kind: 'item',
            key: 'ITM-LABOR',
            label: 'Moving labor',
            stale: { qboId: t.seeded.items.movingLabor, qboName: 'Moving Labor (deleted)', problem: 'inactive' },
          },
        ],
      });
      expect(parked.reason).toContain(
        `Item 'Moving labor' (billing id ITM-LABOR) is mapped to QuickBooks product 'Moving Labor (deleted)' (id ${t.seeded.items.movingLabor}), which was made inactive in QuickBooks. Map it to an active product under Mappings → Items`,
      );
      const attempts = await h.attempts(parked.id);
      expect(attempts[0]).toMatchObject({ status: 'needs_mapping', faultCode: 'STALE_MAPPING' });
    }

    // Support re-maps the billing item through the admin API: both resume by themselves.
    const put = await adminApi(h, 'PUT', `/admin/tenants/${t.id}/mappings/item/ITM-LABOR`, {
      qboId: t.seeded.items.storage,
    });
    expect(put.status).toBe(200);
    const one = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const two = await h.waitStatus(t.id, 'invoice', 'INV-2', 'synced');
    const invoices = await h.entities(t.realmId, 'Invoice');
    expect(invoices).toHaveLength(2);
    for (const rec of [one, two]) {
      const inv = invoices.find((i) => i['Id'] === rec.qboId);
      expect(itemIdsOf(inv)).toEqual([t.seeded.items.storage, t.seeded.items.packingMaterials]);
    }
  });

  it('names the income account key the admin API accepts when missing items cannot be created, and resumes once it is mapped', async () => {
    const t = await h.tenant({ createMissingItems: true });
    // No active Income account left in the company.
    await makeInactive(h, t.realmId, 'Account', t.seeded.accounts.sales);
    await makeInactive(h, t.realmId, 'Account', t.seeded.accounts.services);
    const data = invoiceData();
    data.lines = [
      { id: 'L1', itemId: 'ITM-NEW', description: 'Crating', quantity: '1', unitPrice: '80', amount: '80.00' },
    ] as typeof data.lines;
    data.totals = { subtotal: '80.00', tax: '0.00', total: '80.00' };
    await h.publish(event(t.id, 'invoice.sent', data));
    const parked = await h.waitStatus(t.id, 'invoice', 'INV-1', 'needs_mapping');
    expect(parked.reasonCode).toBe('NO_INCOME_ACCOUNT');
    expect(parked.details).toEqual({ missing: [{ kind: 'account', key: 'income' }] });
    expect(parked.reason).toContain("Choose it under Mappings → Accounts (key 'income')");

    // What the reason asks for is something the admin API (and so the console and CLI) accepts.
    const fees = await qboWrite(h, t.realmId, 'Account', {
      Name: 'Crating Income',
      AccountType: 'Income',
      AccountSubType: 'ServiceFeeIncome',
    });
    const put = await adminApi(h, 'PUT', `/admin/tenants/${t.id}/mappings/account/income`, {
      qboId: fees['Id'],
    });
    expect(put.status).toBe(200);
    expect(put.body['mapping']).toMatchObject({ kind: 'account', key: 'income', qboId: fees['Id'] });
    const rec = await h.waitStatus(t.id, 'invoice', 'INV-1', 'synced');
    const created = (await h.entities(t.realmId, 'Item')).find((i) => i['Name'] === 'Crating');
    expect(created?.['IncomeAccountRef']).toMatchObject({ value: fees['Id'] });
    const inv = (await h.entities(t.realmId, 'Invoice')).find((i) => i['Id'] === rec.qboId);
    expect(itemIdsOf(inv)).toEqual([created?.['Id']]);
  });
});
