// The operator path in a real browser: the overview → failures grouped by reason → a group replayed with a
// note, by keyboard → the audit entry. Also: every console page's controls are labelled, and a screenshot of
// each page is written to docs/screenshots.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { collectPageErrors, launchBrowser, screenshot, unlabelledControls } from '../../support/browser.js';
import { event, type Harness, invoiceData, startHarness, type Tenant } from '../../support/harness.js';

describe('console: the operator path', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  let t: Tenant;
  let foreignIds: string[];
  let throttled: Tenant;

  beforeAll(async () => {
    h = await startHarness('console-operator');
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    errors = collectPageErrors(page);
    t = await h.tenant();
    // Two invoice numbers already typed into QuickBooks by the bookkeeper: both syncs end in conflict.
    const realm = await h.qbo.forTenant(t.id);
    foreignIds = [];
    for (const [i, number] of ['INV-3001', 'INV-3002'].entries()) {
      const foreign = await realm.createInvoice(
        {
          CustomerRef: { value: t.seeded.customers[0]?.id ?? '' },
          DocNumber: number,
          Line: [
            {
              DetailType: 'SalesItemLineDetail',
              Amount: 99,
              SalesItemLineDetail: { ItemRef: { value: t.seeded.items.storage }, Qty: 1, UnitPrice: 99 },
            },
          ],
        },
        { tenantId: t.id, entity: 'test-setup', externalId: number, version: '1', operation: 'create' },
      );
      foreignIds.push(foreign.Id);
      await h.publish(event(t.id, 'invoice.sent', invoiceData({ id: `INV-C${i}`, number })));
      await h.waitStatus(t.id, 'invoice', `INV-C${i}`, 'conflict');
    }
    // A second company that QuickBooks throttles: its invoice waits, and the overview must say so.
    throttled = await h.tenant();
    await h.admin(`/realms/${throttled.realmId}/faults`, { kind: 'throttle', times: 1000 });
    await h.publish(event(throttled.id, 'invoice.sent', invoiceData({ id: 'INV-T1', number: 'INV-T1' })));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('sees the conflicts grouped, replays the group with a note by keyboard, and finds the audit entry', async () => {
    await page.goto(`${h.apiUrl}/console`);
    // Keyboard: the first Tab reaches "Skip to content", which moves focus to the page's content.
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('main');
    await page.locator('#tenants', { hasText: 'Conflict in QuickBooks: 2' }).waitFor();
    // The throttled company shows as such (the page refreshes itself until QuickBooks' 429 has been met).
    await page
      .locator('#companies tr', { hasText: throttled.id })
      .filter({ hasText: 'Throttled by QuickBooks until' })
      .waitFor({ timeout: 45_000 });
    await page.locator('[data-chart="chart-hour"][data-drawn]').waitFor();
    await screenshot(page, 'overview');

    await page.getByRole('link', { name: 'Failures by reason' }).click();
    await page.waitForURL(/\/console\/failures$/);
    await page.getByLabel('Tenant').selectOption(t.id);
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/\/console\/failures\?tenant=/);
    const group = page.locator('tr', { hasText: 'DOC_NUMBER_CONFLICT' });
    await group.waitFor();
    expect(await group.locator('td.num').first().textContent()).toBe('2');
    await screenshot(page, 'failures');

    // By keyboard: focus the group's replay, Enter, type the note, Enter.
    await group.getByRole('button', { name: /^Replay 2 syncs of Conflict in QuickBooks/ }).focus();
    await page.keyboard.press('Enter');
    const note = group.getByLabel('Note (required, kept in the audit log)');
    await note.waitFor();
    await note.focus();
    await page.keyboard.type('bookkeeper renumbered the invoices');
    await page.keyboard.press('Enter');
    await group.locator('p.good', { hasText: '2 syncs queued again.' }).waitFor();

    await page.getByRole('link', { name: 'Audit log' }).click();
    const entry = page.locator('#audit tr', { hasText: 'records.replay' });
    await entry.waitFor();
    const text = await entry.textContent();
    expect(text).toContain('bookkeeper renumbered the invoices');
    expect(text).toContain('reasonCode: DOC_NUMBER_CONFLICT');
    expect(text).toContain(t.id);
    expect(await entry.locator('td.num').textContent()).toBe('2');
    await screenshot(page, 'audit');
    expect(errors).toEqual([]);
  }, 90_000);

  it('a conflict links to the other QuickBooks document', async () => {
    await page.goto(`${h.apiUrl}/console/records/${t.id}/invoice/INV-C0`);
    await page.locator('#record-status', { hasText: 'Conflict in QuickBooks' }).waitFor({ timeout: 30_000 });
    const other = await page.locator('#view-other').getAttribute('href');
    expect(other).toContain(`txnId=${foreignIds[0]}`);
    const qbo = await browser.newPage();
    expect((await qbo.goto(other as string))?.status()).toBe(200);
    await qbo.close();
  }, 60_000);

  it('labels every control of every page', async () => {
    for (const path of [
      '/console',
      `/console/records?tenant=${t.id}`,
      `/console/failures?tenant=${t.id}`,
      `/console/mappings?tenant=${t.id}`,
      '/console/audit',
      `/console/records/${t.id}/invoice/INV-C1`,
    ]) {
      await page.goto(`${h.apiUrl}${path}`);
      expect([path, await unlabelledControls(page)]).toEqual([path, []]);
    }
    await page.goto(`${h.apiUrl}/console/mappings?tenant=${t.id}`);
    await screenshot(page, 'mappings');
    expect(errors).toEqual([]);
  }, 60_000);
});
