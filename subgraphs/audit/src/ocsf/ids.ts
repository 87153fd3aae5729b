/** Deterministic UUIDs (RFC 4122 version 5, SHA-1) so a replayed input can never store twice. */
import crypto from 'node:crypto';

/** Namespace of Imagy audit ids (a fixed random UUID). */
export const AUDIT_NAMESPACE = '6f3c1a52-8d2e-4b7f-9a41-0c5d2e7b9f13';
/** Tenant id under which events of no tenant (platform-level) are stored; only platform auditors read them. */
export const PLATFORM_TENANT = '00000000-0000-0000-0000-000000000000';

export function uuidV5(name: string, namespace = AUDIT_NAMESPACE): string {
  const ns = Buffer.from(namespace.replace(/-/g, ''), 'hex');
  const hash = crypto.createHash('sha1').update(ns).update(name, 'utf8').digest();
  const b = Buffer.from(hash.subarray(0, 16));
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The audit row id of a consumed domain event. */
export const auditIdForEvent = (eventId: string) => uuidV5(`event:${eventId.toLowerCase()}`);
/** The audit row id of an explicit record replayed with the same idempotency key. */
export const auditIdForRecord = (tenantId: string, idempotencyKey: string) => uuidV5(`record:${tenantId}:${idempotencyKey}`);
