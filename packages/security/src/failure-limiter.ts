// Slows down guessing of the admin token: after `maxFailures` wrong tokens from one address within
// `windowMs`, further wrong tokens from that address are refused (429) until the window has passed. Callers
// let the right token through regardless: the address may be shared (a proxy), and a lock-out anyone could
// trigger would be worse than the guessing it slows (a token of at least 16 characters is not guessed). In memory, per process: it bounds
// a guesser's rate per API instance, which is all a token of this length needs.

/** Wrong admin tokens allowed per client address and window, on every admin surface (API, worker /metrics). */
export const ADMIN_WRONG_TOKEN_LIMIT: FailureLimiterOptions = { maxFailures: 10, windowMs: 15 * 60_000 };

export interface FailureLimiterOptions {
  maxFailures: number;
  windowMs: number;
  /** Addresses remembered at most; the oldest are forgotten first. */
  maxKeys?: number;
}

interface Entry {
  count: number;
  firstAt: number;
}

export class FailureLimiter {
  private readonly entries = new Map<string, Entry>();
  constructor(private readonly opts: FailureLimiterOptions) {}

  private current(key: string, now: number): Entry | undefined {
    const entry = this.entries.get(key);
    if (entry && now - entry.firstAt >= this.opts.windowMs) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  /** How long `key` must wait before it may try again; 0 when it may try now. */
  blockedForMs(key: string, now: number): number {
    const entry = this.current(key, now);
    if (!entry || entry.count < this.opts.maxFailures) return 0;
    return entry.firstAt + this.opts.windowMs - now;
  }

  fail(key: string, now: number): void {
    const entry = this.current(key, now);
    if (entry) {
      entry.count += 1;
      return;
    }
    this.entries.set(key, { count: 1, firstAt: now });
    const max = this.opts.maxKeys ?? 10_000;
    if (this.entries.size > max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }
}
