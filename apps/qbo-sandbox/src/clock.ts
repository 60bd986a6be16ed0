// One clock for token expiry, rate-limit windows and MetaData, so tests can move time forward.

const PT_OFFSET_MS = 7 * 3600 * 1000;

export class Clock {
  private offsetMs = 0;
  constructor(private readonly base: () => number = Date.now) {}

  now(): number {
    return this.base() + this.offsetMs;
  }

  advance(ms: number): number {
    this.offsetMs += ms;
    return this.now();
  }
}

let lastMs = Number.NaN;
let lastTime = '';

/** QBO-style timestamp with a fixed Pacific offset (no DST), e.g. 2024-05-01T10:00:00.000-07:00. */
export function qboTime(ms: number): string {
  // Every response carries "time"; under load many share the same millisecond.
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = `${new Date(ms - PT_OFFSET_MS).toISOString().slice(0, 23)}-07:00`;
  }
  return lastTime;
}

/** MetaData timestamps carry whole seconds like QBO's. */
export function qboMetaTime(ms: number): string {
  return `${new Date(ms - PT_OFFSET_MS).toISOString().slice(0, 19)}-07:00`;
}

/** The company's calendar date (YYYY-MM-DD) at the given instant. */
export function qboDate(ms: number): string {
  return new Date(ms - PT_OFFSET_MS).toISOString().slice(0, 10);
}

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

export function isDate(s: string): boolean {
  return DATE_RE.test(s) && !Number.isNaN(Date.parse(`${s}T00:00:00Z`));
}

export function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + days * 86400000).toISOString().slice(0, 10);
}
