// Readiness of a process: can it reach the stores it needs right now? Each check gets a deadline, so a
// hung dependency reports `failing` instead of hanging the probe.

export type CheckState = 'ok' | 'failing';
export interface Readiness<K extends string = string> {
  status: 'ok' | 'degraded';
  checks: Record<K, CheckState>;
}

async function probe(check: () => Promise<unknown>, timeoutMs: number): Promise<CheckState> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'failing'>((resolve) => {
    timer = setTimeout(() => resolve('failing'), timeoutMs);
  });
  try {
    return await Promise.race([check().then(() => 'ok' as const), timeout]);
  } catch {
    return 'failing';
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every check at once; `degraded` when any fails or takes longer than `timeoutMs` (default 2000). */
export async function checkReadiness<K extends string>(
  checks: Record<K, () => Promise<unknown>>,
  timeoutMs = 2_000,
): Promise<Readiness<K>> {
  const names = Object.keys(checks) as K[];
  const states = await Promise.all(names.map((n) => probe(checks[n], timeoutMs)));
  const result = Object.fromEntries(names.map((n, i) => [n, states[i]])) as Record<K, CheckState>;
  return { status: states.every((s) => s === 'ok') ? 'ok' : 'degraded', checks: result };
}
