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
import { notPlainText, payload } from '@imagy/platform/graphql';
import { actorOf, ForbiddenError, requireRole, requireUser, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { byKeys, cursorOf, groupedBy, newestFirstPage } from '../common/page';
import type { RequestFlowUploadInput, SubmitFlowStepInput, TriggerExecutionInput } from '../__generated__/graphql';
import { schemaProblem } from '../common/json-schema';
import { FLOW_OPERATORS, FLOW_READERS, TRIGGER_SCOPE } from '../common/roles';
import { flowsStore, type FlowStep } from '../flows/flows.store';
import { reject } from '../i18n/messages';
import { providersStore, type ProviderCall } from '../providers/providers.store';
import { Engine, type EngineInput } from './engine';
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
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly engine: Engine, private readonly sessions: SessionStore, private readonly storage: StorageAdapter) {}

  /** The version's definition and the session of a locked request (rebuilt from the results when KV lost it or is behind). */
  private async load(em: Em, request: FlowRequest, fresh = false) {
    const flow = await this.flowOf(em, request);
    const [version] = await flowsStore.versionsByIds(em, [request.versionId]);
    if (!version) throw new Error('flow version not found although a foreign key points at it');
    const steps = await flowsStore.stepsOf(em, [request.versionId]);
    const rules = await flowsStore.rulesOf(em, [request.versionId]);
    const results = await executionsStore.results(em, [request.id]);
    // A request created in this transaction has no session yet: no KV round trip.
    const stored = fresh ? null : await this.sessions.get(request.id);
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
  private async save(request: FlowRequest, session: Session, revision: number | null, existed = true) {
    if (OPEN_STATUSES.includes(request.status)) await this.sessions.put(session, revision);
    else if (existed) await this.sessions.delete(request.id);
  }

  triggerExecution(caller: Caller, input: TriggerExecutionInput) {
    const auth = requireUser(caller.auth);
    if (!hasRole(auth, ...FLOW_OPERATORS) && !hasScope(auth, TRIGGER_SCOPE)) throw new ForbiddenError(`Requires one of the roles ${FLOW_OPERATORS.join(', ')} or the scope ${TRIGGER_SCOPE}`);
    const meta = { actor: actorOf(caller), requestId: caller.requestId };
    return payload(async () => {
      const subjectRef = input.subjectRef.trim();
      if (!subjectRef || subjectRef.length > MAX_SUBJECT_REF || notPlainText(subjectRef)) reject('SUBJECT_REF_INVALID', { field: 'subjectRef' });
      const context = input.context ?? {};
      if (typeof context !== 'object' || context === null || Array.isArray(context)) reject('CONTEXT_INVALID', { field: 'context' });
      const key = input.idempotencyKey ?? null;
      if (key !== null && !IDEMPOTENCY_KEY.test(key)) reject('IDEMPOTENCY_KEY_INVALID', { field: 'idempotencyKey' });
      return inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
        const flow = await flowsStore.flowByCode(em, input.flowCode);
        if (!flow) reject('FLOW_NOT_FOUND', { field: 'flowCode' });
        // A flow assigned to organisations runs only for one of them (an unassigned flow: the whole tenant).
        const organizationId = input.organizationId ?? null;
        if (flow.organizationIds.length && (!organizationId || !flow.organizationIds.includes(organizationId))) reject('FLOW_NOT_ASSIGNED', { field: 'organizationId', params: { code: flow.code } });
        if (key) {
          const earlier = await executionsStore.byIdempotencyKey(em, key);
          if (earlier) {
            if (earlier.flowId !== flow.id || earlier.subjectRef !== subjectRef || canonical(earlier.context) !== canonical(context)) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
            return { request: earlier, accessToken: null, replayed: true };
          }
        }
        const version = await flowsStore.publishedOf(em, flow.id);
        if (!version) reject('FLOW_NOT_PUBLISHED', { field: 'flowCode', params: { code: flow.code } });
        const { token, hash } = newAccessToken(auth.tenantId);
        const created = await executionsStore.insert(em, {
          id: crypto.randomUUID(), tenantId: auth.tenantId, flowId: flow.id, versionId: version.id, subjectRef, context: context as Record<string, unknown>, tokenHash: hash, idempotencyKey: key, ttlSeconds: version.sessionTtlSeconds,
        });
        const loaded = await this.load(em, created, true);
        const { request, session } = await this.engine.run({ em, request: created, ...loaded, meta });
        await this.save(request, session, null, false);
        return { request, accessToken: token, replayed: false };
      });
    }, { request: null, accessToken: null, replayed: false }, { onUniqueViolation: 'retry' });
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
      return this.withToken(input.accessToken, async (em, request) => {
        const loaded = await this.load(em, request);
        const earlier = loaded.results.find((r) => r.stepKey === input.stepKey);
        if (earlier?.submissionKey === input.idempotencyKey) {
          if (earlier.submissionHash !== hash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
          return { session: toSession(request, loaded.steps, loaded.session.done), replayed: true };
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
        const { request: after, session } = await this.engine.run(engineInput);
        await this.save(after, session, loaded.revision);
        return { session: toSession(after, loaded.steps, session.done), replayed: false };
      });
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

