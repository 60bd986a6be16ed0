// Tiny read-only views behind QBO deep links (/app/invoice?txnId=...), so "View in QuickBooks" works in demos.
import type { FastifyInstance } from 'fastify';
import type { Doc, EntityName } from './entities/types.js';
import { esc, page } from './html.js';
import type { Sandbox } from './sandbox.js';

const PAGES: Record<string, { entity: EntityName; param: 'txnId' | 'nameId' }> = {
  invoice: { entity: 'Invoice', param: 'txnId' },
  recvpayment: { entity: 'Payment', param: 'txnId' },
  expense: { entity: 'Purchase', param: 'txnId' },
  salesreceipt: { entity: 'SalesReceipt', param: 'txnId' },
  check: { entity: 'Purchase', param: 'txnId' },
  customerdetail: { entity: 'Customer', param: 'nameId' },
  vendordetail: { entity: 'Vendor', param: 'nameId' },
};

export function registerPages(app: FastifyInstance, sb: Sandbox): void {
  app.get<{ Params: { page: string }; Querystring: Record<string, string | undefined> }>(
    '/app/:page',
    async (req, reply) => {
      const spec = PAGES[req.params.page.toLowerCase()];
      if (!spec) return reply.code(404).type('text/html').send(page('Not found', '<h1>Unknown page</h1>'));
      const id = req.query[spec.param] ?? '';
      // Deep links carry no company id; search every realm unless one is given.
      const realmId = req.query['realmId'] ?? req.query['companyId'];
      const hits: { realmId: string; doc: Doc }[] = [];
      for (const realm of sb.realms.values()) {
        if (realmId && realm.id !== realmId) continue;
        const doc = realm.table(spec.entity).get(id);
        if (doc) hits.push({ realmId: realm.id, doc });
      }
      if (hits.length === 0) {
        return reply
          .code(404)
          .type('text/html; charset=utf-8')
          .send(page('Not found', `<h1>${esc(spec.entity)} ${esc(id)} not found</h1>`));
      }
      const body = hits
        .map(
          (h) =>
            `<h1>${esc(spec.entity)} ${esc(h.doc.Id)}</h1><p>Company ${esc(h.realmId)}</p><pre>${esc(JSON.stringify(h.doc, null, 2))}</pre>`,
        )
        .join('');
      return reply.type('text/html; charset=utf-8').send(page(`${spec.entity} ${id} - qbo-sandbox`, body));
    },
  );
}
