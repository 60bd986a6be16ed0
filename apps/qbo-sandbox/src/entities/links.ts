// Which payment applies how much to which transaction: the source of Invoice Balance and LinkedTxn.

export type TargetType = 'Invoice' | 'Expense' | 'Check';

export interface Application {
  targetId: string;
  targetType: TargetType;
  cents: number;
}

export class Links {
  /** target txn id -> payment id -> cents applied */
  private readonly byTarget = new Map<string, Map<string, number>>();
  private readonly byPayment = new Map<string, Application[]>();

  applied(targetId: string): number {
    let total = 0;
    const m = this.byTarget.get(targetId);
    if (m) for (const c of m.values()) total += c;
    return total;
  }

  appliedBy(targetId: string, paymentId: string): number {
    return this.byTarget.get(targetId)?.get(paymentId) ?? 0;
  }

  paymentsFor(targetId: string): string[] {
    return [...(this.byTarget.get(targetId)?.keys() ?? [])];
  }

  applicationsOf(paymentId: string): readonly Application[] {
    return this.byPayment.get(paymentId) ?? [];
  }

  /** Replaces a payment's applications; returns every target whose balance may have changed. */
  setPayment(paymentId: string, apps: readonly Application[]): string[] {
    const touched = new Set<string>();
    for (const old of this.byPayment.get(paymentId) ?? []) {
      touched.add(old.targetId);
      const m = this.byTarget.get(old.targetId);
      m?.delete(paymentId);
      if (m && m.size === 0) this.byTarget.delete(old.targetId);
    }
    if (apps.length === 0) this.byPayment.delete(paymentId);
    else this.byPayment.set(paymentId, [...apps]);
    for (const app of apps) {
      touched.add(app.targetId);
      let m = this.byTarget.get(app.targetId);
      if (!m) {
        m = new Map();
        this.byTarget.set(app.targetId, m);
      }
      m.set(paymentId, (m.get(paymentId) ?? 0) + app.cents);
    }
    return [...touched];
  }
}
