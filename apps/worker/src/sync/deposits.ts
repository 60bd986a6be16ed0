import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import { depositsOfJob, setStatus } from '@qbo-sync/db/repositories/sync-records';
import { StaleObjectError } from '@qbo-sync/qbo-client';
import { buildApplyDepositUpdate, formatCents, qboAmountToCents } from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Applies a job's earlier deposits (unapplied payments) to its now-synced invoice, oldest first, each at
 * most the invoice's open balance. Payment lines are all-or-nothing, so every existing line is resent.
 * Idempotent: a deposit already linked to the invoice is left alone.
 */
export async function applyJobDeposits(
  deps: SyncDeps,
  ctx: TenantContext,
  jobId: string,
  invoice: { externalId: string; qboId: string },
): Promise<number> {
  const deposits = await depositsOfJob(deps.db, ctx.tenantId, jobId);
  if (deposits.length === 0) return 0;
  const realm = await ctx.realm();
  let applied = 0;
  for (const dep of deposits) {
    const qboId = dep.qboId;
    if (!qboId || dep.status === 'voided') continue;
    const started = new Date(deps.now());
    const result = await deps.locks.withLock(dep, 15_000, async () => {
      for (let i = 0; ; i++) {
        const balance = qboAmountToCents((await realm.getInvoice(invoice.qboId)).Balance ?? 0);
        const current = await realm.getPayment(qboId);
        const plan = buildApplyDepositUpdate({
          payment: current,
          invoiceQboId: invoice.qboId,
          invoiceBalanceCents: balance,
        });
        if (!plan) return undefined;
        try {
          const saved = await realm.updatePayment(plan.update, {
            tenantId: ctx.tenantId,
            entity: 'payment',
            externalId: dep.externalId,
            version: `apply:${invoice.qboId}:${current.SyncToken}`,
            operation: 'update',
          });
          return { saved, appliedCents: plan.appliedCents };
        } catch (err) {
          // Someone changed the payment in between: re-read it and the balance, then try again.
          if (!(err instanceof StaleObjectError) || i >= 3) throw err;
        }
      }
    });
    if (!result) continue;
    applied++;
    await setStatus(deps.db, dep.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      syncToken: result.saved.SyncToken,
      details: { appliedTo: invoice.externalId, appliedAmount: formatCents(result.appliedCents) },
    });
    await appendAttempt(deps.db, {
      syncRecordId: dep.id,
      tenantId: ctx.tenantId,
      attempt: 1,
      outcome: 'applied',
      status: 'synced',
      message: `Deposit applied to invoice ${invoice.externalId}: ${formatCents(result.appliedCents)}`,
      startedAt: started,
    });
  }
  return applied;
}
