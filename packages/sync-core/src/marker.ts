import type { SyncEntityType } from '@qbo-sync/contracts';

/** What a marker says: which tenant's which billing entity a QBO object was created for. */
export interface Marker {
  tenantId: string;
  entityType: SyncEntityType;
  externalId: string;
}

const MARKER_RE = /qbo-sync:([a-z0-9][a-z0-9-]{1,62}):(customer|invoice|payment|refund):(\S+)/;

/**
 * Our marker, written into PrivateNote (transactions) or Notes (customers). It lets a later run recognise
 * a QBO object as ours — after a crash between QBO's commit and our write, or when a DocNumber collides.
 * External ids are printable ASCII without spaces, so the marker ends at the first whitespace.
 */
export function markerFor(tenantId: string, entityType: SyncEntityType, externalId: string): string {
  return `qbo-sync:${tenantId}:${entityType}:${externalId}`;
}

export function parseMarker(text: string | undefined | null): Marker | undefined {
  if (!text) return undefined;
  const m = MARKER_RE.exec(text);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { tenantId: m[1], entityType: m[2] as SyncEntityType, externalId: m[3] };
}

/** Does this note carry exactly this entity's marker? */
export function isMarkedAs(text: string | undefined | null, expected: Marker): boolean {
  const m = parseMarker(text);
  return (
    m !== undefined &&
    m.tenantId === expected.tenantId &&
    m.entityType === expected.entityType &&
    m.externalId === expected.externalId
  );
}

/** Marker on the first line, then free text, within QBO's 4000-character PrivateNote. */
export function noteWithMarker(marker: string, text: string | undefined, max = 4000): string {
  const body = text?.trim();
  const note = body ? `${marker}\n${body}` : marker;
  return Array.from(note).slice(0, max).join('');
}

/**
 * Whether QBO shows this invoice or payment voided: QBO prefixes a voided transaction's PrivateNote with
 * "Voided" (our marker note starts with the marker, so only a void puts the word first).
 */
export function isVoidedInQbo(txn: { PrivateNote?: string | null | undefined }): boolean {
  return /^Voided\b/.test(txn.PrivateNote ?? '');
}
