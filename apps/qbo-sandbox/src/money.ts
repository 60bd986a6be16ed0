// Exact decimal handling: amounts live as integer cents; other decimals (Qty, UnitPrice) as scaled bigints.
// JSON numbers are converted through their shortest string form, so 0.1 + 0.2 never happens here.

/** A money amount held as integer cents; serialises as a JSON number with at most 2 decimals. */
export class Money {
  constructor(readonly cents: number) {}
  toJSON(): number {
    return this.cents / 100;
  }
}

/** value = units / 10^scale */
export interface Dec {
  units: bigint;
  scale: number;
}

const DEC_RE = /^([+-]?)(\d+)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

export function parseDec(v: unknown): Dec | null {
  let s: string;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) return null;
    s = String(v);
  } else if (typeof v === 'string') {
    s = v.trim();
  } else {
    return null;
  }
  const m = DEC_RE.exec(s);
  if (!m) return null;
  const frac = m[3] ?? '';
  let units = BigInt(`${m[2] ?? '0'}${frac}`);
  let scale = frac.length - Number(m[4] ?? '0');
  if (scale < 0) {
    units *= 10n ** BigInt(-scale);
    scale = 0;
  }
  if (m[1] === '-') units = -units;
  return normalize({ units, scale });
}

function normalize(d: Dec): Dec {
  let { units, scale } = d;
  while (scale > 0 && units % 10n === 0n) {
    units /= 10n;
    scale--;
  }
  return { units, scale };
}

const MAX_CENTS = 10n ** 15n;

/** Exact cents, or null when the value has more than 2 decimals or is out of range. */
export function decToCents(d: Dec): number | null {
  if (d.scale > 2) return null;
  const cents = d.units * 10n ** BigInt(2 - d.scale);
  if (cents > MAX_CENTS || cents < -MAX_CENTS) return null;
  return Number(cents);
}

/** Rounds half away from zero to cents (how QBO rounds line amounts). */
export function roundDecToCents(d: Dec): bigint {
  if (d.scale <= 2) return d.units * 10n ** BigInt(2 - d.scale);
  const div = 10n ** BigInt(d.scale - 2);
  const neg = d.units < 0n;
  const abs = neg ? -d.units : d.units;
  const q = (abs + div / 2n) / div;
  return neg ? -q : q;
}

export function mulDec(a: Dec, b: Dec): Dec {
  return { units: a.units * b.units, scale: a.scale + b.scale };
}

export function compareDec(a: Dec, b: Dec): number {
  const scale = Math.max(a.scale, b.scale);
  const x = a.units * 10n ** BigInt(scale - a.scale);
  const y = b.units * 10n ** BigInt(scale - b.scale);
  return x < y ? -1 : x > y ? 1 : 0;
}

export function centsToDec(cents: number): Dec {
  return normalize({ units: BigInt(cents), scale: 2 });
}

export function formatCents(cents: number): string {
  const neg = cents < 0;
  const abs = Math.abs(cents);
  return `${neg ? '-' : ''}${Math.trunc(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

export function sumMoney(items: readonly Money[]): number {
  let total = 0;
  for (const m of items) total += m.cents;
  return total;
}
