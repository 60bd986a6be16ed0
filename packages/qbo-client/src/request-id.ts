import { createHash } from 'node:crypto';

/** Identifies a logical write; the QBO requestid is derived from it. */
export interface WriteOp {
  tenantId: string;
  /** e.g. 'invoice', 'payment', 'customer', 'refund' */
  entity: string;
  externalId: string;
  /** Billing-side version (event id, updated-at, hash): a new version is a new write. */
  version: string;
  operation: 'create' | 'update' | 'void' | 'delete';
}

// Fixed namespace for qbo-sync request ids (a random v4 chosen once; never change it, or replays get new ids).
const NAMESPACE = Buffer.from('6f1d3c2a9b8e4f7da1c05e9b2d4a7c31', 'hex');

/**
 * UUIDv5 (RFC 9562) of the operation: the same logical write always gets the same id, so QBO answers a
 * retried or replayed write with the first response. 36 chars: fits QBO's 50 (and batch's 36) limit.
 */
export function requestIdFor(op: WriteOp): string {
  return uuidV5(NAMESPACE, JSON.stringify([op.tenantId, op.entity, op.externalId, op.version, op.operation]));
}

export function uuidV5(namespace: Buffer, name: string): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
