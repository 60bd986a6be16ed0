import { jobIdFor, PRIORITY } from '@qbo-sync/contracts';
import { appendAttempt } from '@qbo-sync/db/repositories/attempts';
import {
  appliedToInvoice,
  getRecord,
  isPendingDeposit,
  pendingDepositsOfJob,
  type SyncRecordRow,
  setStatus,
  syncedInvoiceOfJob,
} from '@qbo-sync/db/repositories/sync-records';
import { type RealmClient, StaleObjectError, ValidationError } from '@qbo-sync/qbo-client';
import {
  buildApplyDepositUpdate,
  faultStatus,
  formatCents,
  knownOpenCents,
  linkedToInvoiceCents,
  type QboPayment,
  qboAmountToCents,
  unappliedCents,
} from '@qbo-sync/sync-core';
import type { SyncDeps } from './deps.js';
import { faultOf } from './faults.js';
import { invoiceDetails } from './payment.js';
import type { TenantContext } from './tenant-context.js';

/** How long deposits.apply waits for the invoice's lock, then each deposit's, before stepping aside (deferred). */
const INVOICE_LOCK_WAIT_MS = 2_000;
const DEPOSIT_LOCK_WAIT_MS = 2_000;
/** A stale SyncToken (5010) on a deposit is re-read this many times before the job's own retry takes over. */
const STALE_RETRIES = 3;

/**
 * Queues `deposits.apply` for a billing job when it has deposits still to apply and its invoice is in QBO.
 * The job id carries the invoice record and the newest pending deposit's stamp, so every trigger (the
 * invoice synced, a deposit synced, a close-out, the sweep) queues one job per state, and a state that
 * changes (a new deposit, a round given up after its last attempt) gets a fresh one.
 */
export async function queueDepositApplication(
  deps: Pick<SyncDeps, 'db' | 'enqueue'>,
  tenantId: string,
  jobId: string,
): Promise<string | undefined> {
  const invoice = await syncedInvoiceOfJob(deps.db, tenantId, jobId);
  if (!invoice) return undefined;
  const pending = await pendingDepositsOfJob(deps.db, tenantId, jobId);
  if (pending.length === 0) return undefined;
  const stamp = Math.max(...pending.map((d) => d.updatedAt.getTime()));
  const eventId = `deposits-${invoice.id}-${stamp}`;
  const id = jobIdFor('deposits.apply', { tenantId, entityId: jobId, eventId });
  await deps.enqueue(
    'deposits.apply',
    { tenantId, eventId, entityId: jobId, source: 'live' },
    { jobId: id, priority: PRIORITY.live },
  );
  return id;
}

/** After an invoice or a deposit synced: its job's deposits may now be applicable. */
export async function queueDepositsOf(deps: SyncDeps, record: SyncRecordRow): Promise<void> {
  const snap = (record.snapshot ?? {}) as { jobId?: unknown; invoiceId?: unknown };
  if (typeof snap.jobId !== 'string') return;
  if (record.entityType === 'payment' && snap.invoiceId !== undefined) return;
  await queueDepositApplication(deps, record.tenantId, snap.jobId);
}

export interface DepositsApplied {
  applied: number;
  failed: number;
}

/**
 * Applies a job's pending deposits (unapplied payments) to its synced invoice, oldest first, each at most
 * the invoice's open balance, under the invoice's lock. Each deposit is recorded as soon as it is applied,
 * so a deferral or a crash part-way resumes with the rest; a deposit QBO already shows linked to the
 * invoice (applied, then a crash before we recorded it) is recorded, not applied again.
 * Throttles, budget refusals, busy locks and transient faults are thrown for the caller to defer or retry;
 * a permanent fault on one deposit is recorded on it (details.applyFailed) and the others go on.
 */
export async function applyJobDeposits(deps: SyncDeps, ctx: TenantContext, jobId: string): Promise<DepositsApplied> {
  const invoice = await syncedInvoiceOfJob(deps.db, ctx.tenantId, jobId);
  const invoiceQboId = invoice?.qboId;
  if (!invoice || !invoiceQboId) return { applied: 0, failed: 0 };
  const key = { tenantId: ctx.tenantId, entityType: 'invoice', externalId: invoice.externalId };
  return deps.locks.withLock(key, INVOICE_LOCK_WAIT_MS, async () => {
    // Read under the lock: another run may have applied some meanwhile.
    const pending = await pendingDepositsOfJob(deps.db, ctx.tenantId, jobId);
    const out: DepositsApplied = { applied: 0, failed: 0 };
    if (pending.length === 0) return out;
    const realm = await ctx.realm();
    const total = invoiceDetails(invoice.details).totalCents;
    const open = openBalance(
      realm,
      invoiceQboId,
      knownOpenCents({
        totalCents: total,
        appliedByOthers:
          total === undefined ? [] : await appliedToInvoice(deps.db, ctx.tenantId, invoice.externalId, 0),
      }),
    );
    for (const pendingDep of pending) {
      // Whoever writes a payment holds its lock: the deposit's own void (or update) waits for this write, or
      // this one for it — then the deposit, read again, is no longer pending (voided) and is left alone.
      const depKey = { tenantId: ctx.tenantId, entityType: 'payment', externalId: pendingDep.externalId };
      const result = await deps.locks.withLock(depKey, DEPOSIT_LOCK_WAIT_MS, async () => {
        const dep = await getRecord(deps.db, depKey);
        if (!dep || !isPendingDeposit(dep)) return 'not pending' as const;
        return applyRecorded(deps, ctx, dep, invoice.externalId, invoiceQboId, realm, open);
      });
      if (result === 'applied') out.applied++;
      else if (result === 'failed') out.failed++;
    }
    return out;
  });
}

/** Applies one deposit (its lock held) and records the result on it; a permanent fault is recorded too. */
async function applyRecorded(
  deps: SyncDeps,
  ctx: TenantContext,
  dep: SyncRecordRow,
  invoiceExternalId: string,
  invoiceQboId: string,
  realm: RealmClient,
  open: OpenBalance,
): Promise<'applied' | 'failed'> {
  const started = new Date(deps.now());
  let result: Applied;
  try {
    result = await applyOne(realm, ctx.tenantId, dep, invoiceQboId, open);
  } catch (err) {
    const fault = faultOf(err);
    const fs = fault && faultStatus(fault.code, fault.detail);
    if (!fault || !fs || (fs.handling !== 'fail' && fs.handling !== 'resolve')) throw err;
    await setStatus(deps.db, dep.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      details: { unapplied: true, applyFailed: fs.reason },
    });
    await appendAttempt(deps.db, {
      syncRecordId: dep.id,
      tenantId: ctx.tenantId,
      attempt: 1,
      outcome: 'failed',
      status: 'synced',
      faultCode: fault.code,
      message: `Deposit not applied to invoice ${invoiceExternalId}: ${fs.reason}`,
      startedAt: started,
    });
    return 'failed';
  }
  await setStatus(deps.db, dep.id, {
    status: 'synced',
    reasonCode: null,
    reason: null,
    ...(result.syncToken ? { syncToken: result.syncToken } : {}),
    details: { appliedTo: invoiceExternalId, appliedAmount: formatCents(result.appliedCents) },
  });
  await appendAttempt(deps.db, {
    syncRecordId: dep.id,
    tenantId: ctx.tenantId,
    attempt: 1,
    outcome: 'applied',
    status: 'synced',
    message: `Deposit applied to invoice ${invoiceExternalId}: ${formatCents(result.appliedCents)}`,
    startedAt: started,
  });
  return 'applied';
}

/**
 * Applies the job's deposits now (a close-out wants them applied before its own payments); whatever stops
 * it (a throttle, a fault, the lock) leaves the work to a queued deposits.apply, which defers and retries.
 */
export async function applyDepositsNow(deps: SyncDeps, ctx: TenantContext, jobId: string): Promise<void> {
  try {
    await applyJobDeposits(deps, ctx, jobId);
  } catch (err) {
    deps.logger.info({ tenantId: ctx.tenantId, jobId, err }, 'deposits not applied now; queued');
  }
  await queueDepositApplication(deps, ctx.tenantId, jobId);
}

/** Records a round of deposit application that gave up (last attempt spent): the sweep starts a new one. */
export async function notePendingDepositsRetry(
  deps: SyncDeps,
  tenantId: string,
  jobId: string,
  reason: string,
): Promise<void> {
  for (const dep of await pendingDepositsOfJob(deps.db, tenantId, jobId)) {
    await setStatus(deps.db, dep.id, {
      status: 'synced',
      reasonCode: null,
      reason: null,
      details: { unapplied: true, lastApplyError: reason },
    });
  }
}

type Applied = { appliedCents: bigint; syncToken?: string };

/**
 * The invoice's open balance. Our records know it (its total minus what our payments and deposits apply);
 * QBO's Balance is read only when a deposit does not fit that, or after QBO refused an application.
 */
interface OpenBalance {
  /** The open balance to plan a deposit of `needCents` against. */
  get(needCents: bigint): Promise<bigint>;
  spend(cents: bigint): void;
  /** QBO refused: what we knew is wrong, read QBO next time. */
  forget(): void;
}

function openBalance(realm: RealmClient, invoiceQboId: string, knownCents: bigint | undefined): OpenBalance {
  let known = knownCents;
  let read: bigint | undefined;
  return {
    async get(need) {
      if (read !== undefined) return read;
      if (known !== undefined && need <= known) return known;
      read = qboAmountToCents((await realm.getInvoice(invoiceQboId)).Balance ?? 0);
      return read;
    },
    spend(applied) {
      if (read !== undefined) read -= applied;
      if (known !== undefined) known -= applied;
    },
    forget() {
      known = undefined;
      read = undefined;
    },
  };
}

/**
 * A deposit we posted unapplied, as our records know it (no lines, the SyncToken we hold): applying it then
 * needs no read. If anyone changed it in QBO since, its SyncToken moved and QBO refuses the write (5010):
 * it is read then.
 */
function knownUnapplied(dep: SyncRecordRow): QboPayment | undefined {
  const details = (dep.details ?? {}) as { unapplied?: unknown };
  const amount = (dep.snapshot as { amount?: unknown } | null)?.amount;
  if (!dep.qboId || !dep.syncToken || details.unapplied !== true || typeof amount !== 'string') return undefined;
  return { Id: dep.qboId, SyncToken: dep.syncToken, TotalAmt: amount, UnappliedAmt: amount, Line: [] };
}

async function applyOne(
  realm: RealmClient,
  tenantId: string,
  dep: SyncRecordRow,
  invoiceQboId: string,
  open: OpenBalance,
): Promise<Applied> {
  const qboId = dep.qboId;
  if (!qboId) throw new Error(`deposit ${dep.externalId} has no QBO id`);
  let reread = false;
  let current = knownUnapplied(dep);
  for (let stale = 0; ; ) {
    current ??= await realm.getPayment(qboId);
    const linked = linkedToInvoiceCents(current, invoiceQboId);
    if (linked > 0n) return { appliedCents: linked, syncToken: current.SyncToken };
    const plan = buildApplyDepositUpdate({
      payment: current,
      invoiceQboId,
      invoiceBalanceCents: await open.get(unappliedCents(current)),
    });
    if (!plan) return { appliedCents: 0n, syncToken: current.SyncToken };
    try {
      const saved = await realm.updatePayment(plan.update, {
        tenantId,
        entity: 'payment',
        externalId: dep.externalId,
        version: `apply:${invoiceQboId}:${current.SyncToken}:${plan.appliedCents}`,
        operation: 'update',
      });
      open.spend(plan.appliedCents);
      return { appliedCents: plan.appliedCents, syncToken: saved.SyncToken };
    } catch (err) {
      // The invoice's balance is lower than we knew (a payment in between): read it again, once.
      if (err instanceof ValidationError && !reread) {
        reread = true;
        open.forget();
        current = undefined;
        continue;
      }
      // Someone changed the deposit since we knew it (or an unheard application committed): read it again.
      if (err instanceof StaleObjectError && stale++ < STALE_RETRIES) {
        current = undefined;
        continue;
      }
      throw err;
    }
  }
}
