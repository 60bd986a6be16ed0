import { connectUrl, disconnect } from '../admin.js';
import { defineCommand } from '../command.js';

export const connect = defineCommand({
  name: 'connect',
  args: '<tenant>',
  summary: 'Print the URL that connects a tenant to its QuickBooks company (open it in a browser).',
  details: ['The link works once and expires; run the command again for a new one.'],
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const [tenantId = ''] = positionals;
    const { authorizeUrl, expiresInSeconds } = await connectUrl(ctx.api, tenantId);
    if (ctx.json) {
      ctx.out.out(JSON.stringify({ authorizeUrl, expiresInSeconds }, null, 2));
      return 0;
    }
    ctx.out.out(`Open this URL in a browser signed in to QuickBooks and approve the connection for ${tenantId}:`);
    ctx.out.out('');
    ctx.out.out(`  ${authorizeUrl}`);
    ctx.out.out('');
    ctx.out.out(
      `It works once, for ${Math.round(expiresInSeconds / 60)} minutes. Check with: ${ctx.invocation} tenants show ${tenantId}`,
    );
    return 0;
  },
});

export const disconnectCommand = defineCommand({
  name: 'disconnect',
  args: '<tenant>',
  summary: 'Disconnect a tenant from QuickBooks (revokes the grant); syncs wait until it is connected again.',
  options: {},
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals }) {
    const [tenantId = ''] = positionals;
    const result = await disconnect(ctx.api, tenantId);
    if (ctx.json) {
      ctx.out.out(JSON.stringify(result, null, 2));
      return 0;
    }
    ctx.out.out(
      result.revokedAtIntuit
        ? `Disconnected ${tenantId}; the QuickBooks grant is revoked.`
        : `Disconnected ${tenantId}. QuickBooks could not be reached to revoke the grant; it is no longer used.`,
    );
    return 0;
  },
});
