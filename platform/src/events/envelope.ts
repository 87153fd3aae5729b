/**
 * The signed event envelope. Producers sign with HMAC-SHA256 over a canonical serialisation of
 * every field but the signature; consumers reject anything whose signature does not verify.
 */
import crypto from 'node:crypto';
import type { EventCatalogue, EventSubject } from './catalogue';
import { installationSecret } from '../config';

export interface EventActor {
  kind: 'user' | 'apiKey' | 'system' | 'anonymous';
  userId: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface EventEnvelope<S extends EventSubject = EventSubject> {
  id: string;
  subject: S;
  tenantId: string | null;
  occurredAt: string;
  actor: EventActor;
  requestId: string | null;
  data: EventCatalogue[S];
  schemaVersion: 1;
  signature: string;
}

export type UnsignedEnvelope<S extends EventSubject = EventSubject> = Omit<EventEnvelope<S>, 'signature'>;

export class EventSigner {
  constructor(private readonly key: Buffer) {
    if (key.length < 32) throw new Error('Event signing key must be at least 32 bytes');
  }

  sign<S extends EventSubject>(envelope: UnsignedEnvelope<S>): EventEnvelope<S> {
    return { ...envelope, signature: this.mac(envelope) };
  }

  verify(envelope: EventEnvelope): boolean {
    if (typeof envelope.signature !== 'string') return false;
    const expected = Buffer.from(this.mac(envelope), 'base64url');
    const given = Buffer.from(envelope.signature, 'base64url');
    return expected.length === given.length && crypto.timingSafeEqual(expected, given);
  }

  private mac(e: UnsignedEnvelope): string {
    return this.hmac(canonicalJson([e.id, e.subject, e.tenantId, e.occurredAt, e.actor, e.requestId, e.data, e.schemaVersion]));
  }

  /** HMAC-SHA256 (base64url) of `text` with the installation's key: internal calls (rpc.ts) sign with it under their own tag. */
  hmac(text: string): string {
    return crypto.createHmac('sha256', this.key).update(text).digest('base64url');
  }
}

/** JSON with object keys sorted, so a payload re-serialised elsewhere signs the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** `EVENT_SIGNING_KEY` (base64) or a key generated at first start into the ignored state folder. */
export function signerFromEnv(): EventSigner {
  return new EventSigner(installationSecret('EVENT_SIGNING_KEY', 'event-signing.key'));
}

/** Structural check of a parsed message before its signature is checked. */
export function looksLikeEnvelope(value: unknown): value is EventEnvelope {
  const v = value as Partial<EventEnvelope>;
  return !!v && typeof v === 'object' && typeof v.id === 'string' && typeof v.subject === 'string'
    && (v.tenantId === null || typeof v.tenantId === 'string') && typeof v.occurredAt === 'string'
    && !!v.actor && typeof v.actor === 'object' && v.schemaVersion === 1 && typeof v.signature === 'string' && 'data' in v;
}
