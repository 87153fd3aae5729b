/**
 * Revocation view: suspended tenants, disabled users (and users whose older tokens a password change
 * invalidated), revoked sessions. Identity writes them into two NATS KV buckets as it commits the
 * change; every subgraph and gateway process watches the buckets and keeps the answer in memory, so
 * a check is a Map lookup and a revocation reaches every replica within milliseconds (the issue asks
 * for 1 s), on HTTP and on open WebSockets (listeners close them).
 *
 * Why KV and not a JetStream consumer per process: a process starting later needs the current
 * state, not the history of every login; a KV watch gives the last value of every key first, then
 * the updates. Two buckets because sessions expire (an entry older than the longest access token is
 * useless) while a tenant suspension or a disabled user lasts until identity lifts it; NATS 2.9 has
 * no per-key TTL.
 *
 * If NATS is unreachable the view keeps the last state it knew (and re-creates its buckets and
 * watches when NATS is back); a process that never reached NATS knows nothing revoked and says so in
 * `synced`. Tokens stay short-lived (15 min) so that worst case is bounded.
 */
import { Kvm, type KV, type KvEntry, type KvOptions } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { logger as rootLogger, type Logger } from '../logger';

export type RevocationReason = 'TENANT_SUSPENDED' | 'USER_DISABLED' | 'SESSION_REVOKED';

/** What a verified token says about itself (`iat` and `sid` are optional: API-key and foreign tokens may lack them). */
export interface TokenFacts {
  tenantId: string | null;
  userId: string | null;
  sessionId?: string | null;
  /** `iat`, seconds since the epoch. */
  issuedAt?: number | null;
}

export interface RevocationChange {
  kind: 'tenant' | 'user' | 'session';
  id: string;
  /** true when something became refused; false when it was lifted. */
  revoked: boolean;
}

interface TenantEntry { status: string; at: string }
interface UserEntry { disabled: boolean; at: string; /** Tokens issued before this (epoch seconds) are refused: password change. */ tokensIssuedBefore: number | null }
interface SessionEntry { at: string }

/** Longest life of an access token we issue; a session entry is kept that long (and a margin). */
export const SESSION_ENTRY_TTL_MS = 24 * 3600_000;

const PRINCIPALS = 'revoked';
const SESSIONS = 'revoked_sessions';
const KEY_PART = /^[A-Za-z0-9_-]{1,128}$/;

/** Bucket names for a namespace (`streamPrefix` of platform/events `Namespace`). */
export function revocationBuckets(streamPrefix: string): { principals: string; sessions: string } {
  return { principals: `${streamPrefix}${PRINCIPALS}`, sessions: `${streamPrefix}${SESSIONS}` };
}

async function openBuckets(nc: NatsConnection, streamPrefix: string): Promise<{ principals: KV; sessions: KV }> {
  const kvm = new Kvm(nc);
  const names = revocationBuckets(streamPrefix);
  // create() binds to an existing bucket with the same configuration, so every process may call it.
  const principals = await kvm.create(names.principals, { history: 1, storage: 'file' as KvOptions['storage'] });
  const sessions = await kvm.create(names.sessions, { history: 1, ttl: SESSION_ENTRY_TTL_MS, storage: 'file' as KvOptions['storage'] });
  return { principals, sessions };
}

function keyPart(id: string): string {
  if (!KEY_PART.test(id)) throw new Error(`not a valid revocation key part: ${JSON.stringify(id.slice(0, 40))}`);
  return id;
}

function parse<T>(entry: KvEntry): T | null {
  if (entry.operation !== 'PUT') return null;
  try {
    return entry.json<T>();
  } catch {
    return null;
  }
}

/** Identity's side: records revocations (call after the change has committed). */
export class RevocationWriter {
  private buckets: Promise<{ principals: KV; sessions: KV }> | null = null;

  constructor(private readonly nc: NatsConnection, private readonly streamPrefix: string) {}

  private kv(): Promise<{ principals: KV; sessions: KV }> {
    // Re-opened after a failure (e.g. NATS restarted without its store): create() recreates the bucket.
    this.buckets ??= openBuckets(this.nc, this.streamPrefix).catch((e: unknown) => { this.buckets = null; throw e; });
    return this.buckets;
  }

  async tenantStatus(tenantId: string, status: string): Promise<void> {
    const { principals } = await this.kv();
    const key = `tenant.${keyPart(tenantId)}`;
    if (status === 'ACTIVE') await principals.delete(key);
    else await principals.put(key, JSON.stringify({ status, at: new Date().toISOString() } satisfies TenantEntry));
  }

  async userDisabled(userId: string, disabled: boolean): Promise<void> {
    await this.updateUser(userId, (e) => ({ ...e, disabled }));
  }

  /** Every token of the user issued before now is refused (password change, "log out everywhere"). */
  async userTokensIssuedBefore(userId: string, epochSeconds: number): Promise<void> {
    await this.updateUser(userId, (e) => ({ ...e, tokensIssuedBefore: Math.max(e.tokensIssuedBefore ?? 0, epochSeconds) }));
  }

  async sessionRevoked(sessionId: string): Promise<void> {
    const { sessions } = await this.kv();
    await sessions.put(`session.${keyPart(sessionId)}`, JSON.stringify({ at: new Date().toISOString() } satisfies SessionEntry));
  }

  private async updateUser(userId: string, change: (e: UserEntry) => UserEntry): Promise<void> {
    const { principals } = await this.kv();
    const key = `user.${keyPart(userId)}`;
    // Compare-and-set on the revision: a disable and a password change at once must both stick.
    for (let attempt = 0; attempt < 10; attempt++) {
      const current = await principals.get(key);
      const previous = (current && parse<UserEntry>(current)) ?? { disabled: false, at: '', tokensIssuedBefore: null };
      const next = { ...change(previous), at: new Date().toISOString() };
      try {
        if (!next.disabled && next.tokensIssuedBefore === null) {
          if (current && current.operation === 'PUT') await principals.delete(key, { previousSeq: current.revision });
          return;
        }
        if (current) await principals.update(key, JSON.stringify(next), current.revision);
        else await principals.create(key, JSON.stringify(next));
        return;
      } catch (e) {
        if (!/wrong last sequence|exists/i.test(String((e as Error).message))) throw e;
      }
    }
    throw new Error(`revocation of user ${userId} kept conflicting`);
  }
}

export interface RevocationViewOptions {
  nc: NatsConnection;
  /** `streamPrefix` of the process's NATS namespace ('' in production). */
  streamPrefix: string;
  log?: Logger;
  /** How long start() waits for the initial state before serving with what it has (default 5 s). */
  initialSyncMs?: number;
}

/** The reader every process keeps. */
export class RevocationView {
  private readonly tenants = new Map<string, TenantEntry>();
  private readonly users = new Map<string, UserEntry>();
  private readonly sessions = new Set<string>();
  private readonly listeners = new Set<(change: RevocationChange) => void>();
  private readonly log: Logger;
  private stopped = false;
  private watchers: { stop(): void }[] = [];
  /** true once the initial state of both buckets has been read. */
  synced = false;

  private constructor(private readonly options: RevocationViewOptions) {
    this.log = options.log ?? rootLogger.child({ component: 'revocation-view' });
  }

  /** A view that knows nothing revoked and never will (processes run without NATS, e.g. conformance suites). */
  static empty(): RevocationView {
    const view = new RevocationView({ nc: null as unknown as NatsConnection, streamPrefix: '' });
    view.stopped = true;
    return view;
  }

  static async start(options: RevocationViewOptions): Promise<RevocationView> {
    const view = new RevocationView(options);
    const initial = view.watch().catch((err: unknown) => {
      view.log.warn({ err: (err as Error).message }, 'revocation view could not read its buckets; it retries when NATS reconnects');
    });
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, options.initialSyncMs ?? 5_000).unref());
    await Promise.race([initial, timeout]);
    if (!view.synced) view.log.warn('revocation view not synced yet: serving, it will catch up when NATS answers');
    void view.followReconnects();
    return view;
  }

  /** Why this token must be refused now, or null. */
  check(facts: TokenFacts): RevocationReason | null {
    if (facts.tenantId && this.tenants.has(facts.tenantId)) return 'TENANT_SUSPENDED';
    if (facts.userId) {
      const user = this.users.get(facts.userId);
      if (user?.disabled) return 'USER_DISABLED';
      if (user?.tokensIssuedBefore && (facts.issuedAt ?? 0) < user.tokensIssuedBefore) return 'SESSION_REVOKED';
    }
    if (facts.sessionId && this.sessions.has(facts.sessionId)) return 'SESSION_REVOKED';
    return null;
  }

  /** Called on every change, e.g. to close the WebSockets of a revoked tenant, user or session. Returns an unsubscribe. */
  onChange(listener: (change: RevocationChange) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    this.stopped = true;
    for (const w of this.watchers.splice(0)) w.stop();
    this.listeners.clear();
  }

  private emit(change: RevocationChange): void {
    for (const l of this.listeners) {
      try { l(change); } catch (err) { this.log.error({ err }, 'revocation listener failed'); }
    }
  }

  /** Opens (creating if needed) both buckets and follows them; resolves once their initial state is read. */
  private async watch(): Promise<void> {
    for (const w of this.watchers.splice(0)) w.stop();
    const { principals, sessions } = await openBuckets(this.options.nc, this.options.streamPrefix);
    let pending = 2;
    let markSynced!: () => void;
    const done = new Promise<void>((resolve) => { markSynced = resolve; });
    const initialised = () => { if (--pending === 0) { this.synced = true; markSynced(); } };
    const follow = async (kv: KV, apply: (entry: KvEntry) => void) => {
      // An empty bucket sends nothing initial: check how many values there are first.
      const empty = (await kv.status()).values === 0;
      const iter = await kv.watch({ key: '>' });
      this.watchers.push({ stop: () => iter.stop() });
      let initial = !empty;
      if (empty) initialised();
      void (async () => {
        for await (const entry of iter) {
          apply(entry);
          if (initial && (entry.delta ?? 0) === 0) { initial = false; initialised(); }
        }
      })().catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'revocation watch ended'));
    };
    await follow(principals, (e) => this.applyPrincipal(e));
    await follow(sessions, (e) => this.applySession(e));
    await done;
  }

  private applyPrincipal(entry: KvEntry): void {
    const [kind, id] = entry.key.split('.', 2);
    if (!id) return;
    if (kind === 'tenant') {
      const value = parse<TenantEntry>(entry);
      const had = this.tenants.has(id);
      if (value) this.tenants.set(id, value); else this.tenants.delete(id);
      if (Boolean(value) !== had) this.emit({ kind: 'tenant', id, revoked: Boolean(value) });
    } else if (kind === 'user') {
      const value = parse<UserEntry>(entry);
      if (value) this.users.set(id, value); else this.users.delete(id);
      // A tighten (disable, password change) may affect open sockets; let listeners re-check.
      this.emit({ kind: 'user', id, revoked: Boolean(value) });
    }
  }

  private applySession(entry: KvEntry): void {
    const [kind, id] = entry.key.split('.', 2);
    if (kind !== 'session' || !id) return;
    if (entry.operation === 'PUT') {
      this.sessions.add(id);
      this.emit({ kind: 'session', id, revoked: true });
    } else this.sessions.delete(id);
  }

  /** After NATS comes back (possibly without its store), re-create the buckets and watch again. */
  private async followReconnects(): Promise<void> {
    for await (const s of this.options.nc.status()) {
      if (this.stopped) return;
      if (s.type !== 'reconnect') continue;
      try {
        await this.watch();
        this.log.info('revocation view re-synced after reconnect');
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'revocation view could not re-sync; keeping the last known state');
      }
    }
  }
}
