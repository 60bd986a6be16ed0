// Per-realm counters exposed by the inspection API; tests use them to prove client behaviour.

export interface RealmStatsJson {
  requests: number;
  maxConcurrencySeen: number;
  maxRequestsInAnyWindow: number;
  throttled429: number;
  tokenRefreshes: number;
  requestIdReplays: number;
  faultsByCode: Record<string, number>;
  writesByEntity: Record<string, number>;
}

export class RealmStats {
  requests = 0;
  maxConcurrencySeen = 0;
  maxRequestsInAnyWindow = 0;
  throttled429 = 0;
  tokenRefreshes = 0;
  requestIdReplays = 0;
  readonly faultsByCode: Record<string, number> = {};
  readonly writesByEntity: Record<string, number> = {};

  reset(): void {
    this.requests = 0;
    this.maxConcurrencySeen = 0;
    this.maxRequestsInAnyWindow = 0;
    this.throttled429 = 0;
    this.tokenRefreshes = 0;
    this.requestIdReplays = 0;
    for (const k of Object.keys(this.faultsByCode)) delete this.faultsByCode[k];
    for (const k of Object.keys(this.writesByEntity)) delete this.writesByEntity[k];
  }

  fault(code: string): void {
    this.faultsByCode[code] = (this.faultsByCode[code] ?? 0) + 1;
  }

  write(entity: string): void {
    this.writesByEntity[entity] = (this.writesByEntity[entity] ?? 0) + 1;
  }

  toJSON(): RealmStatsJson {
    return {
      requests: this.requests,
      maxConcurrencySeen: this.maxConcurrencySeen,
      maxRequestsInAnyWindow: this.maxRequestsInAnyWindow,
      throttled429: this.throttled429,
      tokenRefreshes: this.tokenRefreshes,
      requestIdReplays: this.requestIdReplays,
      faultsByCode: { ...this.faultsByCode },
      writesByEntity: { ...this.writesByEntity },
    };
  }
}
