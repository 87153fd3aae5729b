/**
 * Execution session state in NATS JetStream Key-Value: the data the engine evaluates rules over
 * (`{ subject, context, steps: { <key>: output } }`) and the keys of the steps already done, keyed
 * by request id in the bucket `<ns>flow_sessions` (TTL'd: `FLOW_SESSION_BUCKET_TTL_MS`, default 30
 * days, the longest session a version may have; an entry's age counts from its last write, and it
 * is deleted when the execution ends). Any replica continues a session: it reads the entry, runs
 * the engine under the request's row lock and writes the entry back with the revision it read.
 * An entry that is gone (bucket lost with NATS, TTL) is rebuilt from the step results in
 * PostgreSQL, which stay the durable record.
 *
 * A second bucket, `<ns>flow_work`, lists the executions the engine must drive without the public
 * side: created by an event and not started yet, or with a provider step in flight (leased). An
 * entry is written before the transaction that creates the work commits and removed after the one
 * that ends it; the resume sweep reads only this bucket (small: calls in flight), checks each
 * execution under its tenant's RLS and takes over the ones whose lease ran out. A stale entry
 * (its transaction rolled back, or its removal was lost) is dropped by the sweep.
 */
import { Kvm, type KV, type KvOptions } from '@nats-io/kv';
import type { Namespace, NatsConnection } from '@imagy/platform/events';

export interface SessionData { subject: { ref: string }; context: Record<string, unknown>; steps: Record<string, unknown> }
export interface Session { requestId: string; tenantId: string; versionId: string; data: SessionData; done: string[] }

export const DEFAULT_BUCKET_TTL_MS = 30 * 24 * 3600_000;

export class SessionStore {
  private bucket: Promise<KV> | null = null;
  private workBucket: Promise<KV> | null = null;

  constructor(private readonly nc: NatsConnection, private readonly ns: Namespace, private readonly ttlMs = DEFAULT_BUCKET_TTL_MS) {}

  /** Opens (or creates: every replica may) the bucket; re-created after a failure (e.g. NATS restarted empty). */
  private kv(): Promise<KV> {
    if (!this.bucket) {
      this.bucket = new Kvm(this.nc).create(`${this.ns.streamPrefix}flow_sessions`, { history: 1, ttl: this.ttlMs, storage: 'file' as KvOptions['storage'] });
      this.bucket.catch(() => { this.bucket = null; });
    }
    return this.bucket;
  }

  async get(requestId: string): Promise<{ session: Session; revision: number } | null> {
    const entry = await (await this.kv()).get(requestId);
    if (!entry || entry.operation !== 'PUT' || entry.length === 0) return null;
    return { session: entry.json<Session>(), revision: entry.revision };
  }

  /** Writes the session; with `revision`, only if nobody wrote it since (else throws). Returns the new revision. */
  async put(session: Session, revision: number | null): Promise<number> {
    const kv = await this.kv();
    const payload = JSON.stringify(session);
    return revision === null ? kv.put(session.requestId, payload) : kv.update(session.requestId, payload, revision);
  }

  async delete(requestId: string): Promise<void> {
    await (await this.kv()).delete(requestId);
  }

  /** Every open session's request and tenant (for the expiry sweep): read from the bucket, no table scanned across tenants. */
  async *open(): AsyncGenerator<{ requestId: string; tenantId: string }> {
    const kv = await this.kv();
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT' || entry.length === 0) continue;
      const s = entry.json<Session>();
      yield { requestId: s.requestId, tenantId: s.tenantId };
    }
  }

  private work(): Promise<KV> {
    if (!this.workBucket) {
      this.workBucket = new Kvm(this.nc).create(`${this.ns.streamPrefix}flow_work`, { history: 1, ttl: this.ttlMs, storage: 'file' as KvOptions['storage'] });
      this.workBucket.catch(() => { this.workBucket = null; });
    }
    return this.workBucket;
  }

  /** The execution needs the engine (not started, or a provider step in flight). */
  async markWork(requestId: string, tenantId: string): Promise<void> {
    await (await this.work()).put(requestId, JSON.stringify({ requestId, tenantId, markedAt: Date.now() }));
  }

  async clearWork(requestId: string): Promise<void> {
    await (await this.work()).delete(requestId);
  }

  /** Every execution marked as needing the engine. */
  async *pendingWork(): AsyncGenerator<{ requestId: string; tenantId: string; markedAt: number }> {
    const kv = await this.work();
    for await (const key of await kv.keys()) {
      const entry = await kv.get(key);
      if (!entry || entry.operation !== 'PUT' || entry.length === 0) continue;
      yield entry.json<{ requestId: string; tenantId: string; markedAt: number }>();
    }
  }

  async ready(): Promise<void> {
    await this.kv();
    await this.work();
  }
}
