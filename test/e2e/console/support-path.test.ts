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
});
