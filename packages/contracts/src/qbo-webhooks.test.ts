import { describe, expect, it } from '@jest/globals';
import { IntuitWebhookBody, intuitChanges } from './qbo-webhooks.js';

const NAMES = ['Invoice', 'Payment', 'Customer'];

describe('Intuit webhook bodies', () => {
  it('reads the CloudEvents format (Intuit blog 2025-11-12 sample shape)', () => {
    const body = IntuitWebhookBody.parse([
      {
        specversion: '1.0',
        id: '88cd52aa-33b6-4351-9aa4-47572edbd068',
        source: 'intuit.abc',
        type: 'qbo.invoice.deleted.v1',
        datacontenttype: 'application/json',
        time: '2025-09-10T21:31:25.179851517Z',
        intuitentityid: '1234',
        intuitaccountid: '310687',
        data: {},
      },
    ]);
    expect(intuitChanges(body, NAMES)).toEqual([
      {
        realmId: '310687',
        entity: 'Invoice',
        id: '1234',
        operation: 'Delete',
        key: 'ce:88cd52aa-33b6-4351-9aa4-47572edbd068',
      },
    ]);
  });

  it('reads the legacy eventNotifications format, one key per change', () => {
    const body = IntuitWebhookBody.parse({
      eventNotifications: [
        {
          realmId: '1185883450',
          dataChangeEvent: {
            entities: [
              { name: 'Customer', id: '1', operation: 'Create', lastUpdated: '2015-10-05T14:42:19-0700' },
              { name: 'Invoice', id: '7', operation: 'Update', lastUpdated: '2015-10-05T14:42:19-0700' },
            ],
          },
        },
      ],
    });
    const changes = intuitChanges(body, NAMES);
    expect(changes.map((c) => [c.realmId, c.entity, c.id, c.operation])).toEqual([
      ['1185883450', 'Customer', '1', 'Create'],
      ['1185883450', 'Invoice', '7', 'Update'],
    ]);
    expect(new Set(changes.map((c) => c.key)).size).toBe(2);
  });

  it('refuses a body of neither format, saying where', () => {
    const r = IntuitWebhookBody.safeParse([{ specversion: '1.0', id: 'x', type: 'invoice updated' }]);
    expect(r.success).toBe(false);
    expect(IntuitWebhookBody.safeParse({ notifications: [] }).success).toBe(false);
  });
});
