import { UsageError } from './errors.js';

const UNITS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/**
 * A point in time for --since/--from/--to: an ISO date (2026-03-01, midnight UTC), an ISO date-time, or an
 * age such as 30m, 24h, 7d, 2w (that long before now). Returns an ISO 8601 date-time string.
 */
export function parseWhen(flag: string, value: string, nowMs: number): string {
  const age = /^(\d+)([mhdw])$/.exec(value);
  if (age) return new Date(nowMs - Number(age[1]) * (UNITS[age[2] ?? 'd'] ?? 0)).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(value) && !Number.isNaN(Date.parse(`${value}T00:00:00Z`))) {
    return `${value}T00:00:00.000Z`;
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(value) && !Number.isNaN(Date.parse(value))) return new Date(value).toISOString();
  throw new UsageError(
    `--${flag} "${value}" is not a time; use a date (2026-03-01), a date-time (2026-03-01T09:00:00Z) or an age (30m, 24h, 7d, 2w).`,
  );
}

/** "3 minutes ago" style age for tables; exact timestamps stay available with --json. */
export function ago(iso: string | null, nowMs: number): string {
  if (!iso) return '-';
  const s = Math.round((nowMs - Date.parse(iso)) / 1000);
  if (s < 0) return iso;
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}
