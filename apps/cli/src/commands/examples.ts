import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TenantId } from '@qbo-sync/contracts';
import { defineCommand } from '../command.js';
import { UsageError } from '../errors.js';
import { DEMO_TENANT_ID, exampleFiles } from '../examples.js';

export const examplesWrite = defineCommand({
  name: 'examples write',
  args: '<dir>',
  summary: 'Write one valid example event per type (JSON files) for a tenant into a directory.',
  details: ['Send one with: qbo-sync send <tenant> <dir>/invoice-sent.json'],
  options: {
    tenant: {
      type: 'string',
      hint: '<id>',
      description: `tenant id written into the events (default ${DEMO_TENANT_ID})`,
    },
  },
  positionals: { min: 1, max: 1 },
  async run(ctx, { positionals, values }) {
    const [dir = ''] = positionals;
    const tenantId = values.tenant ?? DEMO_TENANT_ID;
    if (!TenantId.safeParse(tenantId).success) {
      throw new UsageError(`--tenant "${tenantId}" is not a tenant id (lowercase letters, digits and dashes).`);
    }
    await mkdir(dir, { recursive: true });
    const files = exampleFiles(tenantId);
    for (const f of files) await writeFile(join(dir, f.file), f.content);
    if (ctx.json) ctx.out.out(JSON.stringify({ dir, files: files.map((f) => f.file) }));
    else for (const f of files) ctx.out.out(`wrote ${join(dir, f.file)} (${f.type})`);
    return 0;
  },
});
