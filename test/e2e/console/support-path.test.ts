// The support path in a real browser: an invoice did not sync → find why → map the item → it syncs by
// itself → "View in QuickBooks" opens it. Also the records list's search, selection and bulk replay with a note.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot } from '../../support/browser.js';
import { event, type Harness, invoiceData, startHarness, type Tenant } from '../../support/harness.js';

describe('console: the support path', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let t: Tenant;

  beforeAll(async () => {
    h = await startHarness('console-support');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectPageErrors(page);
    t = await h.tenant();
    // INV-7004 bills an item nobody mapped yet: it parks as needs_mapping.
    await h.publish(
      event(
        t.id,
        'invoice.sent',
        invoiceData({
          id: 'INV-7004',
          number: 'INV-7004',
          lines: [
            {
              id: 'L1',
              itemId: 'ITM-STORAGE',
              description: 'Storage',
              quantity: '1',
              unitPrice: '80',
              amount: '80.00',
            },
          ],
          totals: { subtotal: '80.00', tax: '0.00', total: '80.00' },
        }),
      ),
    );
    await h.waitStatus(t.id, 'invoice', 'INV-7004', 'needs_mapping');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('finds why the invoice did not sync, maps the item, and sees it in QuickBooks', async () => {
    await page.goto(`${h.apiUrl}/console`);
    // The overview names the tenant's parked sync; its count links to the records, filtered.
    await page.getByRole('link', { name: 'Needs a mapping: 1' }).click();
    await page.waitForURL(/\/console\/records\?tenant=.*status=needs_mapping/);
    const row = page.locator('#rows tr', { hasText: 'INV-7004' });
    await row.waitFor();
    expect(await row.textContent()).toContain('is not mapped to a QuickBooks product');
    await screenshot(page, 'records');

    // The reason's "Mappings → Items" is a link to the real Mappings page, at its Items section.
    const mapLink = row.getByRole('link', { name: 'Mappings → Items' });
    expect(await mapLink.getAttribute('href')).toBe(`/console/mappings?tenant=${t.id}#map-item`);

    await row.getByRole('link', { name: 'INV-7004' }).click();
    await page.waitForURL(/\/console\/records\/.*\/invoice\/INV-7004$/);
    await page.locator('#record-status', { hasText: 'Needs a mapping' }).waitFor();
    // The timeline: the event received, and the attempt that parked it.
    expect(await page.locator('#events-h').textContent()).toBe('Events received (1)');
    expect(await page.locator('#record-history table').first().textContent()).toContain('invoice.sent');
    await screenshot(page, 'record-timeline');

    // The picker preselects nothing; its search narrows the list.
    const picker = page.getByLabel('QuickBooks item for item "Storage"');
    expect(await picker.inputValue()).toBe('');
    await page.getByLabel('Search').fill('consult');
    await picker.selectOption({ label: 'Consultation (Service)' });
    await page.getByRole('button', { name: 'Map item "Storage"' }).click();
    await page.locator('.picker .result', { hasText: '1 parked sync queued again' }).waitFor();

    // The page refreshes by itself: the record turns green with a working link to QuickBooks.
    await page.locator('#record-status', { hasText: 'In QuickBooks' }).waitFor({ timeout: 30_000 });
    const view = page.locator('#view-in-qbo');
    const href = await view.getAttribute('href');
    expect(href).toMatch(/\/app\/invoice\?txnId=/);
    const qbo = await browser.newPage();
    const res = await qbo.goto(href as string);
    expect(res?.status()).toBe(200);
    expect(await qbo.locator('h1').textContent()).toMatch(/^Invoice \d+$/);
    await qbo.close();
    expect(errors).toEqual([]);
  }, 90_000);

  it('searches, keeps ticks across refreshes, and replays the selection with a note, showing progress', async () => {
    const invoices = ['INV-B1', 'INV-B2', 'INV-B3'];
    for (const id of invoices) {
      await h.publish(
        event(
          t.id,
          'invoice.sent',
          invoiceData({
            id,
            number: id,
            lines: [{ id: 'L1', itemId: 'ITM-BOX', description: 'Box', quantity: '1', unitPrice: '5', amount: '5.00' }],
            totals: { subtotal: '5.00', tax: '0.00', total: '5.00' },
          }),
        ),
      );
      await h.waitStatus(t.id, 'invoice', id, 'needs_mapping');
    }
    // Search by document number.
    await page.goto(`${h.apiUrl}/console/records?tenant=${t.id}`);
    await page.getByLabel('Search').fill('INV-B3');
    await page.getByLabel('Search').press('Enter');
    await page.waitForURL(/q=INV-B3/);
    await page.locator('#rows tr', { hasText: 'INV-B3' }).waitFor();
    expect(await page.locator('#rows tr').count()).toBe(1);

    await page.goto(`${h.apiUrl}/console/records?tenant=${t.id}&status=needs_mapping`);
    await page.getByLabel('Select invoice INV-B1').check();
    await page.getByLabel('Select invoice INV-B2').check();
    await page.locator('[data-selected-count]', { hasText: '2 selected' }).waitFor();
    // A refresh of the list keeps the ticks.
    const refreshed = page.waitForResponse((r) => r.url().includes('/console/records/rows'));
    await page.evaluate(() => document.body.dispatchEvent(new Event('records-changed')));
    await refreshed;
    expect(await page.getByLabel('Select invoice INV-B1').isChecked()).toBe(true);
    expect(await page.getByLabel('Select invoice INV-B2').isChecked()).toBe(true);

    // Every matching record: the count comes before anything runs.
    await page.getByRole('button', { name: 'Replay all matching…' }).click();
    await page.locator('#confirm-q', { hasText: 'Replay 3 syncs in "Needs a mapping"' }).waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.locator('#confirm-q').waitFor({ state: 'detached' });

    await page.getByRole('button', { name: 'Replay selected…' }).click();
    await page.locator('#confirm-q', { hasText: 'Replay the 2 selected syncs?' }).waitFor();
    await page.getByLabel('Note (required, kept in the audit log)').fill('customer asked again');
    await page.getByRole('button', { name: 'Replay 2 syncs' }).click();
    await page.locator('#progress-text', { hasText: 'Done: 2 syncs ran again.' }).waitFor({ timeout: 30_000 });
    const audit = (await (await fetch(`${h.apiUrl}/admin/audit?action=record.replay`)).json()) as {
      entries: Array<{ note: string | null; target: Record<string, unknown> | null }>;
    };
    expect(audit.entries.filter((e) => e.note === 'customer asked again')).toHaveLength(2);
    expect(errors).toEqual([]);
  }, 90_000);
});
