// Per-realm throttling: sliding-window request and batch counts plus in-flight concurrency.
import type { RealmStats } from './stats.js';

export interface Limits {
  requestsPerWindow: number;
  windowMs: number;
  maxConcurrent: number;
  batchPerWindow: number;
  /** Seconds to send in Retry-After on 429; 0 = no header (QBO documents none). */
  retryAfterSeconds: number;
}

export const DEFAULT_LIMITS: Limits = {
  requestsPerWindow: 500,
  windowMs: 60_000,
  maxConcurrent: 10,
  batchPerWindow: 40,
  retryAfterSeconds: 0,
};

/** Timestamps in arrival order; pruning from the head keeps each request O(1) amortised. */
export class SlidingWindow {
  private times: number[] = [];
  private head = 0;

  count(now: number, windowMs: number): number {
    const cutoff = now - windowMs;
    while (this.head < this.times.length && (this.times[this.head] ?? 0) <= cutoff) this.head++;
    if (this.head > 4096 && this.head * 2 > this.times.length) {
      this.times = this.times.slice(this.head);
      this.head = 0;
    }
    return this.times.length - this.head;
  }

  push(now: number): void {
    this.times.push(now);
  }

  clear(): void {
    this.times = [];
    this.head = 0;
  }
}

export class Limiter {
  inFlight = 0;
  private readonly accepted = new SlidingWindow();
  private readonly attempted = new SlidingWindow();
  private readonly batches = new SlidingWindow();

  constructor(
    public limits: Limits,
    private readonly stats: RealmStats,
  ) {}

  /** Admits a request (taking a concurrency slot) or returns false when it must get a 429. */
  tryAcquire(now: number, isBatch: boolean): boolean {
    const { windowMs } = this.limits;
    // maxRequestsInAnyWindow counts every attempt so a client that overshoots is visible.
    this.attempted.push(now);
    const attempts = this.attempted.count(now, windowMs);
    if (attempts > this.stats.maxRequestsInAnyWindow) this.stats.maxRequestsInAnyWindow = attempts;
    if (this.inFlight >= this.limits.maxConcurrent) return false;
    if (this.accepted.count(now, windowMs) >= this.limits.requestsPerWindow) return false;
    if (isBatch && this.batches.count(now, windowMs) >= this.limits.batchPerWindow) return false;
    this.accepted.push(now);
    if (isBatch) this.batches.push(now);
    this.inFlight++;
    if (this.inFlight > this.stats.maxConcurrencySeen) this.stats.maxConcurrencySeen = this.inFlight;
    return true;
  }

  release(): void {
    this.inFlight--;
  }

  set(patch: Partial<Limits>): Limits {
    this.limits = { ...this.limits, ...patch };
    return this.limits;
  }
}
