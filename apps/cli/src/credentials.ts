import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import { normaliseUrl } from './config.js';
import { InputError } from './errors.js';

export interface TenantCredentials {
  apiKey: string;
  signingSecret: string;
}

const Saved = z.object({ apiKey: z.string().min(1), signingSecret: z.string().min(1), savedAt: z.string() });
// Keyed by API URL first: one machine often talks to a local and a staging API with the same tenant ids.
const CredentialsFile = z.object({
  version: z.literal(1),
  apis: z.record(z.string(), z.object({ tenants: z.record(z.string(), Saved) })),
});
type CredentialsFile = z.infer<typeof CredentialsFile>;

/**
 * Tenant API keys and signing secrets saved by `--save`, in a 0600 JSON file (directory 0700): they are
 * shown by the API only once, and `send`/`backfill` need both to sign requests.
 */
export class CredentialStore {
  constructor(
    readonly file: string,
    private readonly now: () => Date = () => new Date(),
  ) {}

  private async read(): Promise<CredentialsFile> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, apis: {} };
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new InputError(`${this.file} is not valid JSON. Fix or delete it (then save the credentials again).`);
    }
    const parsed = CredentialsFile.safeParse(json);
    if (!parsed.success) {
      throw new InputError(`${this.file} does not look like a qbo-sync credentials file. Fix or delete it.`);
    }
    return parsed.data;
  }

  async get(apiUrl: string, tenantId: string): Promise<TenantCredentials | undefined> {
    const saved = (await this.read()).apis[normaliseUrl(apiUrl)]?.tenants[tenantId];
    return saved ? { apiKey: saved.apiKey, signingSecret: saved.signingSecret } : undefined;
  }

  async save(apiUrl: string, tenantId: string, credentials: TenantCredentials): Promise<void> {
    const data = await this.read();
    const key = normaliseUrl(apiUrl);
    const api = data.apis[key] ?? { tenants: {} };
    api.tenants[tenantId] = { ...credentials, savedAt: this.now().toISOString() };
    data.apis[key] = api;
    await this.write(data);
  }

  async remove(apiUrl: string, tenantId: string): Promise<boolean> {
    const data = await this.read();
    const api = data.apis[normaliseUrl(apiUrl)];
    if (!api?.tenants[tenantId]) return false;
    delete api.tenants[tenantId];
    await this.write(data);
    return true;
  }

  private async write(data: CredentialsFile): Promise<void> {
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    // Write-then-rename so a crash never leaves half a file; the temp file is created 0600 from the start.
    const temp = `${this.file}.${process.pid}.tmp`;
    await writeFile(temp, `${JSON.stringify(data, null, 2)}\n`, { mode: 0o600 });
    await chmod(temp, 0o600);
    await rename(temp, this.file);
  }
}
