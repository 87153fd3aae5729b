/**
 * NATS connection and JetStream stream layout. One stream per domain (`IDENTITY` on
 * `identity.>`), plus `DLQ` on `dlq.>` for messages that failed too often. A namespace prefix
 * (tests) isolates subjects and stream names on a shared server.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstreamManager, RetentionPolicy, StorageType, DiscardPolicy, type JetStreamManager } from '@nats-io/jetstream';
import { DOMAINS, type Domain } from './catalogue';
import { logger } from '../logger';

export type { NatsConnection };

export interface Namespace {
  /** e.g. '' or 't1a2b.' */
  subjectPrefix: string;
  /** e.g. '' or 'T1A2B_' */
  streamPrefix: string;
}

export function namespace(raw: string): Namespace {
  const clean = raw.replace(/[^A-Za-z0-9]/g, '').toLowerCase();
  return clean ? { subjectPrefix: `${clean}.`, streamPrefix: `${clean.toUpperCase()}_` } : { subjectPrefix: '', streamPrefix: '' };
}

export const streamName = (ns: Namespace, domain: Domain | 'dlq') => `${ns.streamPrefix}${domain.toUpperCase()}`;
export const wireSubject = (ns: Namespace, subject: string) => `${ns.subjectPrefix}${subject}`;
export const logicalSubject = (ns: Namespace, wire: string) => (ns.subjectPrefix && wire.startsWith(ns.subjectPrefix) ? wire.slice(ns.subjectPrefix.length) : wire);

export async function connectNats(url: string, name: string): Promise<NatsConnection> {
  const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, reconnectTimeWait: 500, waitOnFirstConnect: true });
  void (async () => {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') logger.warn({ nats: s.type, name }, 'nats connection status');
    }
  })();
  return nc;
}

/** Creates (or updates) every domain stream and the DLQ. Idempotent; every subgraph calls it at start. */
export async function ensureStreams(nc: NatsConnection, ns: Namespace, options: { duplicateWindowMs?: number } = {}): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc);
  const duplicateWindow = (options.duplicateWindowMs ?? 10 * 60_000) * 1_000_000; // ns
  for (const domain of [...DOMAINS, 'dlq' as const]) {
    const name = streamName(ns, domain);
    const config = {
      name,
      subjects: [wireSubject(ns, `${domain}.>`)],
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      discard: DiscardPolicy.Old,
      duplicate_window: duplicateWindow,
      max_age: 30 * 24 * 3600 * 1_000_000_000,
    };
    try {
      await jsm.streams.info(name);
    } catch {
      try {
        await jsm.streams.add(config);
      } catch (e) {
        // Another process created it between our info and add.
        if (!/already in use|exists/i.test(String((e as Error).message))) throw e;
      }
    }
  }
  return jsm;
}

export async function deleteStreams(nc: NatsConnection, ns: Namespace): Promise<void> {
  if (!ns.streamPrefix) throw new Error('Refusing to delete un-namespaced streams');
  const jsm = await jetstreamManager(nc);
  for (const domain of [...DOMAINS, 'dlq' as const]) {
    await jsm.streams.delete(streamName(ns, domain)).catch(() => undefined);
  }
  // The namespace's KV buckets (a bucket is the stream KV_<bucket>): revocations, rate limits.
  const prefix = `KV_${ns.streamPrefix}`;
  for await (const name of jsm.streams.names()) {
    if (name.startsWith(prefix)) await jsm.streams.delete(name).catch(() => undefined);
  }
}
