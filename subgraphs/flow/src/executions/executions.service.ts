/**
 * Executions (FlowRequest): triggered by staff or a service, continued by the public side with the
 * access token, moved on by the engine. Lifecycle CREATED -> IN_PROGRESS -> COMPLETED / FAILED /
 * EXPIRED / CANCELLED. Every change runs under the request's row lock, so two replicas (or two
 * clicks) never advance one execution twice; the session travels in NATS KV (session.ts).
 *
 * Expiry is decided by `expires_at` (now + the version's sessionTtlSeconds) when the execution is
 * touched: a token used after it marks the execution EXPIRED (event flow.execution.failed) and is
 * answered ACCESS_TOKEN_EXPIRED.
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { hasRole, hasScope } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { actorOf, ForbiddenError, requireRole, requireUser, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { byKeys, cursorOf, groupedBy, newestFirstPage } from '../common/page';
import type { RequestFlowUploadInput, SubmitFlowStepInput, TriggerExecutionInput } from '../__generated__/graphql';
import { schemaProblem } from '../common/json-schema';
import { FLOW_OPERATORS, FLOW_READERS, TRIGGER_SCOPE } from '../common/roles';
import { flowsStore, type FlowStep } from '../flows/flows.store';
import { reject } from '../i18n/messages';
import { providersStore, type ProviderCall } from '../providers/providers.store';
import { Engine, type EngineInput, type PendingCall } from './engine';
import { executionsStore, OPEN_STATUSES, type FlowRequest, type RequestStatus, type StepResult } from './executions.store';
import type { Session, SessionStore } from './session';
import { hashToken, newAccessToken, tenantOfToken } from './token';
import { filesStore, type FlowFile } from '../storage/files.store';
import { MAX_UPLOAD_BYTES, objectKey, UPLOAD_CONTENT_TYPES, type StorageAdapter } from '../storage/storage';
import type { UploadedFacts } from '../storage/local';

export type { FlowRequest, StepResult, ProviderCall, FlowFile };

export const MAX_FILES_PER_STEP = 10;

export interface FlowSession {
  status: RequestStatus;
  outcome: FlowRequest['outcome'];
  expiresAt: string;
  currentStep: { key: string; name: string; type: FlowStep['type']; inputSchema: Record<string, unknown> | null } | null;
  completedStepKeys: string[];
}

const IDEMPOTENCY_KEY = /^[A-Za-z0-9_\-:.]{1,100}$/;
/** How long after an event's commit the kick looks for the execution it created before leaving it to the resume sweep. */
const KICK_WAITS_MS = [0, 20, 50, 100, 250, 500, 1_000, 2_000];
/** A work mark whose execution is still not visible after this was rolled back. */
const STALE_MARK_MS = 60_000;

/** What starts an execution (staff input or a service's event). */
export interface StartInput { flowCode: string; subjectRef: string; context: unknown; idempotencyKey: string | null; organizationId: string | null; externalRef: string | null }
type Definition = Pick<EngineInput, 'flow' | 'version' | 'steps' | 'rules'>;
const definitionIn = (l: Definition): Definition => ({ flow: l.flow, version: l.version, steps: l.steps, rules: l.rules });
export interface Started { request: FlowRequest; token: string | null; replayed: boolean; pending: PendingCall | null; /** The pinned version's definition, when this call read it. */ definition: Definition | null }
const MAX_SUBJECT_REF = 200;
const SYSTEM = { kind: 'system' as const, userId: null };

const canonical = (v: unknown): string => JSON.stringify(v, (_k, val) => (val && typeof val === 'object' && !Array.isArray(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => a.localeCompare(b))) : val));
const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

function toSession(request: FlowRequest, steps: FlowStep[], done: string[]): FlowSession {
  const current = request.status === 'IN_PROGRESS' && request.currentStepKey ? steps.find((s) => s.key === request.currentStepKey) ?? null : null;
  return {
    status: request.status,
    outcome: request.outcome,
    expiresAt: request.expiresAt,
    currentStep: current ? { key: current.key, name: current.name, type: current.type, inputSchema: current.inputSchema } : null,
    completedStepKeys: done,
  };
}

export class ExecutionsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly engine: Engine, private readonly sessions: SessionStore, private readonly storage: StorageAdapter, private readonly log?: Logger) {}

  /** The pinned version's definition (flow, version, steps, rules): immutable once published, so a drive reads it once. */
  private async definitionOf(em: Em, request: FlowRequest): Promise<Definition> {
    const flow = await this.flowOf(em, request);
    const [version] = await flowsStore.versionsByIds(em, [request.versionId]);
    if (!version) throw new Error('flow version not found although a foreign key points at it');
    const steps = await flowsStore.stepsOf(em, [request.versionId]);
    const rules = await flowsStore.rulesOf(em, [request.versionId]);
    return { flow, version, steps, rules };
  }

  /** The version's definition and the session of a locked request (rebuilt from the results when KV lost it or is behind). */
  private async load(em: Em, request: FlowRequest, fresh = false, known: Definition | null = null, written: { session: Session; revision: number } | null = null) {
    const { flow, version, steps, rules } = known ?? await this.definitionOf(em, request);
    const results = await executionsStore.results(em, [request.id]);
    // A request created in this transaction has no session yet: no KV round trip. Nor has a drive
    // that wrote the session itself in its previous round (under the lease nobody else writes it;
    // the check against the results below still applies).
    const stored = fresh ? null : written ?? await this.sessions.get(request.id);
    let session: Session;
    let revision: number | null = null;
    if (stored && stored.session.done.length === results.length && results.every((r) => stored.session.done.includes(r.stepKey))) {
      session = stored.session;
      revision = stored.revision;
    } else {
      session = { requestId: request.id, tenantId: request.tenantId, versionId: request.versionId, data: { subject: { ref: request.subjectRef }, context: request.context, steps: {} }, done: [] };
      for (const r of results) { session.done.push(r.stepKey); if (r.output !== null && r.output !== undefined) session.data.steps[r.stepKey] = r.output; }
      if (stored) revision = stored.revision;
    }
    return { flow, version, steps, rules, session, revision, results };
  }

  /** The flow of a request (it exists by foreign key: a miss is a bug, not a null). */
  private async flowOf(em: Em, request: FlowRequest) {
    const [flow] = await flowsStore.flowsByIds(em, [request.flowId]);
    if (!flow) throw new Error('flow not found although a foreign key points at it');
    return flow;
  }

  /** Writes the session back (before the transaction commits, so the next holder of the lock reads it); deletes it once the execution ended. */
  private async save(request: FlowRequest, session: Session, revision: number | null, existed = true): Promise<number | null> {
    if (OPEN_STATUSES.includes(request.status)) return this.sessions.put(session, revision);
    if (existed) await this.sessions.delete(request.id);
    return null;
  }

  triggerExecution(caller: Caller, input: TriggerExecutionInput) {
    const auth = requireUser(caller.auth);
    if (!hasRole(auth, ...FLOW_OPERATORS) && !hasScope(auth, TRIGGER_SCOPE)) throw new ForbiddenError(`Requires one of the roles ${FLOW_OPERATORS.join(', ')} or the scope ${TRIGGER_SCOPE}`);
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(async () => {
      const started = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => this.create(em, auth.tenantId, {
        flowCode: input.flowCode, subjectRef: input.subjectRef, context: input.context, idempotencyKey: input.idempotencyKey ?? null, organizationId: input.organizationId ?? null, externalRef: null,
      }, meta, true));
      if (started.replayed) return { request: started.request, accessToken: null, replayed: true };
      const request = started.pending ? await this.drive(auth.tenantId, started.request.id, meta, started.pending, started.definition) : started.request;
      return { request: request ?? started.request, accessToken: started.token, replayed: false };
    }, { request: null, accessToken: null, replayed: false }, { onUniqueViolation: 'retry' });
  }

  /**
   * The one path that starts an execution (seed 1.19), for staff (`triggerExecution`) and for a
   * service's event (`lending.verification.requested`): validates, replays an idempotency key,
   * inserts the request of the published version and announces it (`flow.execution.created`, never
   * with the access token). With `runNow` the engine walks it in this transaction as far as it goes
   * without a provider (a provider step is claimed: the caller drives it after the commit);
   * without, it stays CREATED and is marked for the engine (the caller kicks it after the commit,
   * the resume sweep otherwise). Throws Rejected (codes of i18n/messages.ts) for bad input.
   */
  async create(em: Em, tenantId: string, input: StartInput, meta: EngineInput['meta'], runNow: boolean): Promise<Started> {
    const subjectRef = input.subjectRef.trim();
    if (!subjectRef || subjectRef.length > MAX_SUBJECT_REF || notPlainText(subjectRef)) reject('SUBJECT_REF_INVALID', { field: 'subjectRef' });
    const context = input.context ?? {};
    if (typeof context !== 'object' || context === null || Array.isArray(context)) reject('CONTEXT_INVALID', { field: 'context' });
    const key = input.idempotencyKey;
    if (key !== null && !IDEMPOTENCY_KEY.test(key)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
    const externalRef = input.externalRef;
    if (externalRef !== null && (!externalRef || externalRef.length > MAX_SUBJECT_REF || notPlainText(externalRef))) reject('EXTERNAL_REF_INVALID', { field: 'externalRef' });
    const flow = await flowsStore.flowByCode(em, input.flowCode);
    if (!flow) reject('FLOW_NOT_FOUND', { field: 'flowCode' });
    // A flow assigned to organisations runs only for one of them (an unassigned flow: the whole tenant).
    const organizationId = input.organizationId;
    if (flow.organizationIds.length && (!organizationId || !flow.organizationIds.includes(organizationId))) reject('FLOW_NOT_ASSIGNED', { field: 'organizationId', params: { code: flow.code } });
    if (key) {
      const earlier = await executionsStore.byIdempotencyKey(em, key);
      if (earlier) {
        if (earlier.flowId !== flow.id || earlier.subjectRef !== subjectRef || canonical(earlier.context) !== canonical(context)) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
        return { request: earlier, token: null, replayed: true, pending: null, definition: null };
      }
    }
    const version = await flowsStore.publishedOf(em, flow.id);
    if (!version) reject('FLOW_NOT_PUBLISHED', { field: 'flowCode', params: { code: flow.code } });
    const { token, hash } = newAccessToken(tenantId);
    const created = await executionsStore.insert(em, {
      id: crypto.randomUUID(), tenantId, flowId: flow.id, versionId: version.id, subjectRef, context: context as Record<string, unknown>, tokenHash: hash, idempotencyKey: key, ttlSeconds: version.sessionTtlSeconds, externalRef,
    });
    const loaded = await this.load(em, created, true);
    await this.outbox.publish(em, 'flow.execution.created', {
      requestId: created.id, flowId: flow.id, flowCode: flow.code, versionId: version.id, subjectRef, externalRef, publicSteps: loaded.steps.some((s) => s.type !== 'PROVIDER'),
    }, { tenantId, ...meta });
    if (!runNow) {
      await this.sessions.markWork(created.id, tenantId);
      return { request: created, token, replayed: false, pending: null, definition: null };
    }
    const { request, session, pending } = await this.engine.run({ em, request: created, ...loaded, meta });
    await this.save(request, session, null, false);
    if (pending) await this.sessions.markWork(request.id, tenantId);
    return { request, token, replayed: false, pending, definition: definitionIn(loaded) };
  }

  /**
   * Drives an execution through its provider steps, each call outside any transaction: call (when
   * a step is pending), then one short transaction under the row lock records the answer and walks
   * on to the next provider step (claimed) or a stop. Without a pending call it starts a CREATED
   * execution or takes over a step whose lease ran out. Returns the request as it was left, or
   * null when the row is not visible (yet: its creating transaction has not committed).
   */
  async drive(tenantId: string, requestId: string, meta: EngineInput['meta'], pending: PendingCall | null, known: Definition | null = null): Promise<FlowRequest | null> {
    let current = pending;
    let definition = known;
    let written: { session: Session; revision: number } | null = null;
    // Bounded: each round ends a step (a version has at most 30) or stops.
    for (let round = 0; round < 64; round++) {
      const answer = current ? await this.engine.call(current) : null;
      const step = await inTenantTx(this.orm, { tenantId }, async (em) => {
        const request = await executionsStore.forUpdate(em, requestId);
        if (!request) return null;
        if (OPEN_STATUSES.includes(request.status) && request.expired) {
          // Past its life (a long outage, a slow provider): the calls made are recorded, the execution ends EXPIRED.
          if (answer && current) await this.engine.recordCalls({ em, request, meta }, current, answer);
          const flow = definition?.flow ?? await this.flowOf(em, request);
          const ended = await this.engine.fail({ em, request, flow, meta }, 'EXPIRED', request.leaseStepKey ?? request.currentStepKey);
          await this.sessions.delete(request.id);
          return { request: ended, pending: null };
        }
        const startable = OPEN_STATUSES.includes(request.status) && (request.status === 'CREATED' || (request.leaseId !== null && request.leaseExpired));
        if (!(answer && current) && !startable) return { request, pending: null };
        const loaded = await this.load(em, request, false, definition, written);
        definition = definitionIn(loaded);
        written = null;
        const io: EngineInput = { em, request, ...loaded, meta };
        const result = answer && current ? await this.engine.recordAnswer(io, current, answer) : await this.engine.run(io);
        if (result.request !== request) {
          const revision = await this.save(result.request, result.session, loaded.revision);
          if (revision !== null) written = { session: result.session, revision };
        }
        // Marked once: a round that follows a claim finds its mark still there (removed only when nothing is pending).
        if (result.pending && !current) await this.sessions.markWork(requestId, tenantId);
        return { request: result.request, pending: result.pending };
      });
      if (!step) return null;
      if (!step.pending) {
        if (step.request.status !== 'CREATED' && step.request.leaseId === null) await this.sessions.clearWork(requestId);
        return step.request;
      }
      current = step.pending;
    }
    throw new Error(`execution ${requestId} did not stop within 64 rounds`);
  }

  /** After an event's transaction commits: drives the execution it created (its row becomes visible with the commit). */
  kick(tenantId: string, requestId: string): void {
    void (async () => {
      for (const wait of KICK_WAITS_MS) {
        if (wait) await new Promise((r) => setTimeout(r, wait));
        if (await this.drive(tenantId, requestId, { actor: SYSTEM, requestId: null }, null)) return;
      }
      // Still not visible: its transaction rolled back (nothing to do) or is slow (the resume sweep starts it).
    })().catch((err) => this.log?.warn({ err, requestId }, 'driving an event-triggered execution failed; the resume sweep retries it'));
  }

  /**
   * The resume sweep (job of app.ts, every FLOW_RESUME_SWEEP_MS): every execution marked for the
   * engine whose lease ran out (its process died mid-call, or overran) or that has not started yet
   * is driven on; stale marks are dropped. Returns how many executions it drove.
   */
  async resumeStalled(): Promise<number> {
    let driven = 0;
    for await (const { requestId, tenantId, markedAt } of this.sessions.pendingWork()) {
      if (!isUuid(requestId) || !isUuid(tenantId)) { await this.sessions.clearWork(String(requestId)); continue; }
      const [request] = await inTenantTx(this.orm, { tenantId }, (em) => executionsStore.byIds(em, [requestId]));
      if (!request) {
        // Not committed yet, or rolled back: dropped once it is clearly the latter.
        if (Date.now() - markedAt > STALE_MARK_MS) await this.sessions.clearWork(requestId);
        continue;
      }
      const open = OPEN_STATUSES.includes(request.status);
      if (!open || (request.status !== 'CREATED' && request.leaseId === null)) { await this.sessions.clearWork(requestId); continue; }
      if (request.status === 'CREATED' || request.leaseExpired) {
        await this.drive(tenantId, requestId, { actor: SYSTEM, requestId: null }, null);
        driven += 1;
      }
    }
    return driven;
  }

  /**
   * A fresh access token of the newest open execution a service correlated with `externalRef`
   * (staff, or the service that requested it with scope flow:trigger, e.g. lending for the portal).
   * Only the newest token issued opens the session: an earlier one stops working.
   */
  issueAccessToken(caller: Caller, externalRef: string) {
    const auth = requireUser(caller.auth);
    if (!hasRole(auth, ...FLOW_OPERATORS) && !hasScope(auth, TRIGGER_SCOPE)) throw new ForbiddenError(`Requires one of the roles ${FLOW_OPERATORS.join(', ')} or the scope ${TRIGGER_SCOPE}`);
    return payload(async () => {
      const issued = await this.issueToken(auth.tenantId, externalRef);
      if (issued.ok) return { request: issued.request, accessToken: issued.accessToken };
      if (issued.code === 'REQUEST_FINISHED') return reject('REQUEST_FINISHED', { field: 'externalRef', params: { status: issued.status ?? 'COMPLETED' } });
      return reject(issued.code, { field: 'externalRef' });
    }, { request: null, accessToken: null });
  }

  /**
   * A fresh access token of the newest open execution started with `externalRef` in the tenant (the
   * earlier token stops working). Shared by `issueFlowAccessToken` (staff, `flow:trigger`) and the
   * internal call `flow.access_token.issue` (the requester, e.g. lending for its borrower).
   */
  async issueToken(tenantId: string, externalRef: string): Promise<{ ok: true; request: FlowRequest; accessToken: string } | { ok: false; code: 'EXTERNAL_REF_INVALID' | 'REQUEST_NOT_FOUND' | 'REQUEST_FINISHED'; status: RequestStatus | null }> {
    if (!externalRef || externalRef.length > MAX_SUBJECT_REF || notPlainText(externalRef)) return { ok: false, code: 'EXTERNAL_REF_INVALID', status: null };
    return inTenantTx(this.orm, { tenantId }, async (em) => {
      const request = await executionsStore.latestByExternalRef(em, externalRef);
      if (!request) return { ok: false as const, code: 'REQUEST_NOT_FOUND' as const, status: null };
      if (request.expired && OPEN_STATUSES.includes(request.status)) {
        const flow = await this.flowOf(em, request);
        await this.engine.fail({ em, request, flow, meta: { actor: SYSTEM, requestId: null } }, 'EXPIRED', request.currentStepKey);
        await this.sessions.delete(request.id);
        return { ok: false as const, code: 'REQUEST_FINISHED' as const, status: 'EXPIRED' as RequestStatus };
      }
      if (!OPEN_STATUSES.includes(request.status)) return { ok: false as const, code: 'REQUEST_FINISHED' as const, status: request.status };
      const { token, hash } = newAccessToken(tenantId);
      await executionsStore.replaceToken(em, request.id, hash);
      return { ok: true as const, request, accessToken: token };
    });
  }

  cancel(caller: Caller, requestId: string) {
    const auth = requireRole(caller.auth, ...FLOW_OPERATORS);
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const request = isUuid(requestId) ? await executionsStore.forUpdate(em, requestId) : null;
      if (!request) reject('REQUEST_NOT_FOUND', { field: 'requestId' });
      if (!OPEN_STATUSES.includes(request.status)) reject('REQUEST_FINISHED', { field: 'requestId', params: { status: request.status } });
      const flow = await this.flowOf(em, request);
      const done = await this.engine.fail({ em, request, flow, meta }, 'CANCELLED', request.currentStepKey);
      await this.sessions.delete(request.id);
      return { request: done };
    }), { request: null });
  }

  /**
   * Opens the request an access token names, locked, in its tenant's transaction. Unknown or
   * foreign tokens reject ACCESS_TOKEN_INVALID; an open execution past its expiry is marked
   * EXPIRED (committed) and answered ACCESS_TOKEN_EXPIRED.
   */
  private async withToken<T>(accessToken: string, work: (em: Em, request: FlowRequest) => Promise<T>): Promise<T> {
    const tenantId = tenantOfToken(accessToken);
    if (!tenantId) reject('ACCESS_TOKEN_INVALID', { field: 'accessToken' });
    let expired = false;
    const result = await inTenantTx(this.orm, { tenantId }, async (em) => {
      const request = await executionsStore.byTokenHash(em, hashToken(accessToken), true);
      if (!request) reject('ACCESS_TOKEN_INVALID', { field: 'accessToken' });
      if (request.status === 'EXPIRED' || (request.expired && OPEN_STATUSES.includes(request.status))) {
        if (request.status !== 'EXPIRED') {
          const flow = await this.flowOf(em, request);
          await this.engine.fail({ em, request, flow, meta: { actor: SYSTEM, requestId: null } }, 'EXPIRED', request.currentStepKey);
          await this.sessions.delete(request.id);
        }
        expired = true;
        return null;
      }
      return { value: await work(em, request) };
    });
    if (expired || !result) reject('ACCESS_TOKEN_EXPIRED', { field: 'accessToken' });
    return result.value;
  }

  session(accessToken: string) {
    return payload(() => this.withToken(accessToken, async (em, request) => {
      const steps = await flowsStore.stepsOf(em, [request.versionId]);
      const results = await executionsStore.results(em, [request.id]);
      return { session: toSession(request, steps, results.map((r) => r.stepKey)) };
    }), { session: null });
  }

  submitStep(caller: Caller, input: SubmitFlowStepInput) {
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(async () => {
      if (!IDEMPOTENCY_KEY.test(input.idempotencyKey)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
      const hash = sha256(canonical(input.data));
      const submitted = await this.withToken(input.accessToken, async (em, request) => {
        const loaded = await this.load(em, request);
        const earlier = loaded.results.find((r) => r.stepKey === input.stepKey);
        if (earlier?.submissionKey === input.idempotencyKey) {
          if (earlier.submissionHash !== hash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
          return { replay: toSession(request, loaded.steps, loaded.session.done) };
        }
        if (!OPEN_STATUSES.includes(request.status)) reject('REQUEST_FINISHED', { field: 'accessToken', params: { status: request.status } });
        const step = loaded.steps.find((s) => s.key === input.stepKey);
        if (!step || request.currentStepKey !== step.key) reject('STEP_NOT_CURRENT', { field: 'stepKey', params: { key: input.stepKey.slice(0, 40) } });
        if (step.inputSchema) {
          const problem = schemaProblem(step.inputSchema, input.data);
          if (problem) reject('STEP_DATA_INVALID', { field: `data${problem.path.replace(/\//g, '.')}`, params: { reason: problem.message } });
        } else if (typeof input.data !== 'object' || input.data === null || Array.isArray(input.data)) {
          reject('STEP_DATA_INVALID', { field: 'data', params: { reason: 'expected a JSON object' } });
        }
        if (step.type === 'DOCUMENT') await this.checkDocuments(em, request.id, step.key, input.data);
        const engineInput: EngineInput = { em, request, ...loaded, meta };
        await this.engine.recordStep(engineInput, step, 'COMPLETED', input.data, { key: input.idempotencyKey, hash });
        const { request: after, session, pending } = await this.engine.run(engineInput, step.key);
        await this.save(after, session, loaded.revision);
        if (pending) await this.sessions.markWork(after.id, after.tenantId);
        return { request: after, steps: loaded.steps, session, pending, definition: definitionIn(loaded) };
      });
      if ('replay' in submitted) return { session: submitted.replay, replayed: true };
      if (!submitted.pending) return { session: toSession(submitted.request, submitted.steps, submitted.session.done), replayed: false };
      // The provider steps after the submission run outside the token's transaction; the answer shows where they left it.
      const after = await this.drive(submitted.request.tenantId, submitted.request.id, meta, submitted.pending, submitted.definition) ?? submitted.request;
      const done = await inTenantTx(this.orm, { tenantId: after.tenantId }, (em) => executionsStore.results(em, [after.id]));
      return { session: toSession(after, submitted.steps, done.map((r) => r.stepKey)), replayed: false };
    }, { session: null, replayed: false });
  }

  /** DOCUMENT steps: `data.fileIds` lists 1..10 files uploaded to this execution's step. */
  private async checkDocuments(em: Em, requestId: string, stepKey: string, data: unknown): Promise<void> {
    const ids = data && typeof data === 'object' && !Array.isArray(data) ? (data as { fileIds?: unknown }).fileIds : undefined;
    if (!Array.isArray(ids) || ids.length === 0 || ids.length > MAX_FILES_PER_STEP || !ids.every(isUuid)) reject('STEP_DATA_INVALID', { field: 'data.fileIds', params: { reason: `fileIds must list 1 to ${MAX_FILES_PER_STEP} uploaded document ids` } });
    const files = await filesStore.ofRequests(em, [requestId]);
    for (const [index, id] of ids.entries()) {
      const f = files.find((x) => x.id === id);
      if (!f || f.stepKey !== stepKey) reject('FILE_NOT_UPLOADED', { field: `data.fileIds[${index}]`, params: { index } });
      if (f.uploadedAt) continue;
      // Stores the bytes bypass (S3): the object's size and verified SHA-256 are read back now.
      const stored = this.storage.confirm ? await this.storage.confirm(f.storageKey) : null;
      if (!stored) reject('FILE_NOT_UPLOADED', { field: `data.fileIds[${index}]`, params: { index } });
      await filesStore.markUploaded(em, f.id, stored.sizeBytes, stored.sha256);
    }
  }

  /** Public: a signed upload URL for the current DOCUMENT step; the file row is recorded now, its hash when the bytes arrive. */
  requestUpload(input: RequestFlowUploadInput, origin: string) {
    return payload(async () => {
      if (!(UPLOAD_CONTENT_TYPES as readonly string[]).includes(input.contentType)) reject('CONTENT_TYPE_NOT_ALLOWED', { field: 'contentType', params: { allowed: UPLOAD_CONTENT_TYPES.join(', ') } });
      if (!Number.isInteger(input.sizeBytes) || input.sizeBytes < 1 || input.sizeBytes > MAX_UPLOAD_BYTES) reject('FILE_SIZE_OUT_OF_RANGE', { field: 'sizeBytes', params: { max: MAX_UPLOAD_BYTES } });
      const sha256 = input.sha256?.toLowerCase() ?? null;
      if (sha256 !== null && !/^[0-9a-f]{64}$/.test(sha256)) reject('SHA256_INVALID', { field: 'sha256' });
      if (this.storage.needsChecksum && sha256 === null) reject('SHA256_REQUIRED', { field: 'sha256' });
      return this.withToken(input.accessToken, async (em, request) => {
        if (!OPEN_STATUSES.includes(request.status)) reject('REQUEST_FINISHED', { field: 'accessToken', params: { status: request.status } });
        const steps = await flowsStore.stepsOf(em, [request.versionId]);
        const step = steps.find((s) => s.key === input.stepKey);
        if (!step || request.currentStepKey !== step.key) reject('STEP_NOT_CURRENT', { field: 'stepKey', params: { key: input.stepKey.slice(0, 40) } });
        if (step.type !== 'DOCUMENT') reject('STEP_NOT_DOCUMENT', { field: 'stepKey', params: { key: step.key } });
        if (await filesStore.countForStep(em, request.id, step.key) >= MAX_FILES_PER_STEP * 2) reject('TOO_MANY_FILES', { field: 'stepKey', params: { max: MAX_FILES_PER_STEP * 2 } });
        const fileId = crypto.randomUUID();
        const key = objectKey(request.tenantId, fileId);
        await filesStore.insert(em, { id: fileId, tenantId: request.tenantId, requestId: request.id, stepKey: step.key, storageKey: key, contentType: input.contentType });
        return { upload: { fileId, ...(await this.storage.presignUpload(key, input.contentType, input.sizeBytes, origin, sha256 ?? undefined)) } };
      });
    }, { upload: null });
  }

  /** Called by the storage route when the bytes of a signed upload arrived: records size and SHA-256 once. */
  async recordUpload(facts: UploadedFacts): Promise<boolean> {
    return inTenantTx(this.orm, { tenantId: facts.tenantId }, (em) => filesStore.markUploaded(em, facts.fileId, facts.sizeBytes, facts.sha256));
  }

  async filesOf(auth: AuthContext, requestIds: readonly string[]): Promise<FlowFile[][]> {
    return groupedBy(requestIds, await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => filesStore.ofRequests(em, requestIds)), (f) => f.requestId);
  }

  async downloadUrl(file: FlowFile, origin: string): Promise<string | null> {
    return file.uploadedAt ? (await this.storage.presignDownload(file.storageKey, origin)).url : null;
  }

  /**
   * Marks every open execution past its expiry EXPIRED (event flow.execution.failed, reason
   * EXPIRED) and removes its session; the job of app.ts runs it every FLOW_EXPIRY_SWEEP_MS. It
   * finds candidates through the open sessions in NATS KV (each names its tenant), so it reads each
   * tenant's rows under that tenant's RLS. Returns how many it expired.
   */
  async sweepExpired(): Promise<number> {
    let expired = 0;
    for await (const { requestId, tenantId } of this.sessions.open()) {
      if (!isUuid(requestId) || !isUuid(tenantId)) continue;
      const done = await inTenantTx(this.orm, { tenantId }, async (em) => {
        const request = await executionsStore.forUpdate(em, requestId);
        if (!request || !OPEN_STATUSES.includes(request.status) || !request.expired) return false;
        const flow = await this.flowOf(em, request);
        await this.engine.fail({ em, request, flow, meta: { actor: SYSTEM, requestId: null } }, 'EXPIRED', request.currentStepKey);
        await this.sessions.delete(request.id);
        return true;
      });
      if (done) expired += 1;
    }
    return expired;
  }

  // ---- reads (staff) ----

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<FlowRequest>> {
    const user = requireRole(auth, ...FLOW_READERS);
    const { limit, after } = newestFirstPage(args);
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => executionsStore.page(em, limit, after));
    return toConnection(rows, limit, cursorOf);
  }

  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(FlowRequest | null)[]> {
    return byKeys(ids, await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => executionsStore.byIds(em, ids.filter(isUuid))));
  }

  async resultsOf(auth: AuthContext, requestIds: readonly string[]): Promise<StepResult[][]> {
    return groupedBy(requestIds, await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => executionsStore.results(em, requestIds)), (r) => r.requestId);
  }

  async callsOf(auth: AuthContext, requestIds: readonly string[]): Promise<ProviderCall[][]> {
    return groupedBy(requestIds, await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => providersStore.callsOf(em, requestIds)), (c) => c.requestId ?? '');
  }
}

