import { describe, expect, it } from '@jest/globals';
import { MappingKind } from '@qbo-sync/contracts';
import { describeMissingKey } from '@qbo-sync/sync-core';
import { mappingAnchor, mappingPicker, mappingsHref, mappingsPage, reasonWithLinks } from './mappings.js';

describe('console mappings', () => {
  it.each(MappingKind.options)('the %s reason\'s "Mappings → …" links to that section of the Mappings page', (kind) => {
    const reason = describeMissingKey({ kind, key: kind === 'account' ? 'refund_bank' : 'KEY-1' }, 'invoice');
    const linked = reasonWithLinks(reason, 'acme').text;
    expect(linked).toContain(`<a href="${mappingsHref('acme', kind).replace(/&/g, '&amp;')}">Mappings → `);
    // The section the link lands on exists on the page.
    const page = mappingsPage({ tenantId: 'acme', tenants: [], unmapped: [], mappings: [], lists: {} }).text;
    expect(page).toContain(`id="${mappingAnchor(kind)}"`);
  });

  it('reason text stays escaped around the links', () => {
    expect(reasonWithLinks("Item '<b>' is not mapped. Map it under Mappings → Items; ok", 't').text).toBe(
      'Item &#39;&lt;b&gt;&#39; is not mapped. Map it under <a href="/console/mappings?tenant=t#map-item">Mappings → Items</a>; ok',
    );
  });

  it('the picker preselects nothing, marks inactive entries, and says when a list is cached', () => {
    const picker = mappingPicker({
      tenantId: 'acme',
      kind: 'item',
      key: 'ITM-1',
      label: 'Storage',
      problem: undefined,
      list: {
        cachedAt: '2026-03-01T10:00:00.000Z',
        items: [
          { id: '1', name: 'Aardvark', type: 'Service', active: true },
          { id: '2', name: 'Old box', active: false },
        ],
      },
    }).text;
    expect(picker).not.toContain('selected');
    expect(picker).toContain('<select id="pick-item-ITM-1" name="qboId" required><option value="">Choose…</option>');
    expect(picker).toContain('Old box — inactive');
    expect(picker).toContain('this list was read 2026-03-01 10:00:00 UTC');
  });
});
