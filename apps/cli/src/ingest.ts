import { BatchResponse, EventResult, MAX_BATCH_EVENTS } from '@qbo-sync/contracts';
import type { Context } from './command.js';
import type { TenantCredentials } from './credentials.js';
import { ApiResponseError, CredentialsMissingError } from './errors.js';
import type { ApiClient } from './http.js';

/** The key and secret to sign with: the environment's if set, else the ones saved for this API and tenant. */
export async function tenantCredentials(ctx: Context, tenantId: string): Promise<TenantCredentials> {
  if (ctx.config.envCredentials) return ctx.config.envCredentials;
  const saved = await ctx.credentials.get(ctx.config.apiUrl, tenantId);
  if (!saved) throw new CredentialsMissingError(tenantId, ctx.config.apiUrl, ctx.credentials.file);
  return saved;
}

/** POST /v1/events: accepted (202) or duplicate (200); a refusal throws ApiResponseError with its issues. */
export async function sendEvent(api: ApiClient, credentials: TenantCredentials, event: unknown): Promise<EventResult> {
  const answer = await api.signed('/v1/events', JSON.stringify(event), credentials);
  return api.parse('POST /v1/events', answer, EventResult);
}

/** How the API says a batch was too big, and the size it allows when it says so. */
function allowedSize(err: ApiResponseError, tried: number): number | undefined {
  if (err.status !== 413) return undefined;
  const stated = /at most (\d+) events/.exec(err.message);
  const size = stated ? Number(stated[1]) : Math.floor(tried / 2);
  return size >= 1 && size < tried ? size : undefined;
}

/**
 * Sends events through POST /v1/events:batch in batches as large as the API takes. The API's limit
 * (INGEST_MAX_BATCH, and the body size limit) is not published, so the first batch tries `initialSize`
 * and a 413 — after which nothing was stored, so resending is safe — shrinks the batch to the size the
 * API names, or halves it.
 */
export class BatchSender {
  private size: number;

  constructor(
    private readonly api: ApiClient,
    private readonly credentials: TenantCredentials,
    opts: { batchSize?: number | undefined } = {},
  ) {
    this.size = Math.min(opts.batchSize ?? MAX_BATCH_EVENTS, MAX_BATCH_EVENTS);
  }

  get batchSize(): number {
    return this.size;
  }

  /** One result per event, in order. */
  async send(events: readonly unknown[]): Promise<EventResult[]> {
    const results: EventResult[] = [];
    let start = 0;
    while (start < events.length) {
      const chunk = events.slice(start, start + this.size);
      try {
        results.push(...(await this.post(chunk)));
        start += chunk.length;
      } catch (err) {
        const smaller = err instanceof ApiResponseError ? allowedSize(err, chunk.length) : undefined;
        if (smaller === undefined) throw err;
        this.size = smaller;
      }
    }
    return results;
  }

  private async post(events: readonly unknown[]): Promise<EventResult[]> {
    const answer = await this.api.signed('/v1/events:batch', JSON.stringify({ events }), this.credentials);
    return this.api.parse('POST /v1/events:batch', answer, BatchResponse).results;
  }
}

export interface Tally {
  accepted: number;
  duplicate: number;
  rejected: number;
}

export function emptyTally(): Tally {
  return { accepted: 0, duplicate: 0, rejected: 0 };
}

export function addResults(tally: Tally, results: readonly EventResult[]): Tally {
  for (const r of results) tally[r.status] += 1;
  return tally;
}

export function describeRejection(r: EventResult): string {
  const errors = (r.errors ?? []).map((e) => `${e.path}: ${e.message}`).join('; ');
  return `${r.code ?? 'rejected'}${errors ? ` — ${errors}` : ''}`;
}
