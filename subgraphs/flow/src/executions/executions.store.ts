/** All SQL of executions (flow_requests, flow_step_results): typed rows, tenant transaction (RLS). */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import type { Outcome } from '../flows/flows.store';

export type RequestStatus = 'CREATED' | 'IN_PROGRESS' | 'COMPLETED' | 'FAILED' | 'EXPIRED' | 'CANCELLED';
export type StepResultStatus = 'COMPLETED' | 'SKIPPED' | 'FAILED';
export const OPEN_STATUSES: readonly RequestStatus[] = ['CREATED', 'IN_PROGRESS'];

export interface FlowRequest {
  id: string; tenantId: string; flowId: string; versionId: string; subjectRef: string; context: Record<string, unknown>;
  status: RequestStatus; outcome: Outcome | null; summary: Record<string, unknown> | null; failureCode: string | null; currentStepKey: string | null;
  idempotencyKey: string | null; expiresAt: string; expired: boolean; createdAt: string; completedAt: string | null;
  /** The requester's correlation (event-triggered runs), else null. */
  externalRef: string | null;
  /** The lease of a provider step in flight (null when none): only its holder records the answer. */
  leaseId: string | null; leaseStepKey: string | null;
  /** The lease ran out (its holder died or overran): the resume sweep may take the step over. */
  leaseExpired: boolean;
}
export interface StepResult { requestId: string; stepKey: string; status: StepResultStatus; output: unknown; submissionKey: string | null; submissionHash: string | null; completedAt: string }

interface RequestRow {
  id: string; tenant_id: string; flow_id: string; version_id: string; subject_ref: string; context: Record<string, unknown>; status: RequestStatus; outcome: Outcome | null;
  summary: Record<string, unknown> | null; failure_code: string | null; current_step_key: string | null; idempotency_key: string | null; expires_at: string; expired: boolean; created_at: string; completed_at: string | null;
  external_ref: string | null; lease_id: string | null; lease_step_key: string | null; lease_expired: boolean;
}
interface ResultRow { request_id: string; step_key: string; status: StepResultStatus; output: unknown; submission_key: string | null; submission_hash: string | null; completed_at: string }

const COLS = `id, tenant_id, flow_id, version_id, subject_ref, context, status, outcome, summary, failure_code, current_step_key, idempotency_key,
  ${iso('expires_at')} as expires_at, expires_at <= clock_timestamp() as expired, ${iso('created_at')} as created_at, ${iso('completed_at')} as completed_at,
  external_ref, lease_id, lease_step_key, coalesce(lease_until <= clock_timestamp(), false) as lease_expired`;
const toRequest = (r: RequestRow): FlowRequest => ({
  id: r.id, tenantId: r.tenant_id, flowId: r.flow_id, versionId: r.version_id, subjectRef: r.subject_ref, context: r.context, status: r.status, outcome: r.outcome,
  summary: r.summary, failureCode: r.failure_code, currentStepKey: r.current_step_key, idempotencyKey: r.idempotency_key, expiresAt: r.expires_at, expired: r.expired,
  createdAt: r.created_at, completedAt: r.completed_at, externalRef: r.external_ref, leaseId: r.lease_id, leaseStepKey: r.lease_step_key, leaseExpired: r.lease_expired,
});
const RESULT_COLS = `request_id, step_key, status, output, submission_key, submission_hash, ${iso('completed_at')} as completed_at`;
const toResult = (r: ResultRow): StepResult => ({ requestId: r.request_id, stepKey: r.step_key, status: r.status, output: r.output, submissionKey: r.submission_key, submissionHash: r.submission_hash, completedAt: r.completed_at });

export const executionsStore = {
  async insert(em: Em, r: { id: string; tenantId: string; flowId: string; versionId: string; subjectRef: string; context: Record<string, unknown>; tokenHash: Buffer; idempotencyKey: string | null; ttlSeconds: number; externalRef: string | null }): Promise<FlowRequest> {
    const rows = await em.execute<RequestRow[]>(`insert into flow_requests (id, tenant_id, flow_id, version_id, subject_ref, context, status, token_hash, idempotency_key, expires_at, external_ref)
      values (?, ?, ?, ?, ?, ?::jsonb, 'CREATED', ?, ?, clock_timestamp() + make_interval(secs => ?), ?) returning ${COLS}`,
    [r.id, r.tenantId, r.flowId, r.versionId, r.subjectRef, jsonParam(r.context), r.tokenHash, r.idempotencyKey, r.ttlSeconds, r.externalRef]);
    return toRequest(rows[0]!);
  },
  async byIdempotencyKey(em: Em, key: string): Promise<FlowRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where idempotency_key = ?`, [key]);
    return rows[0] ? toRequest(rows[0]) : null;
  },
  /** The request row locked for the rest of the transaction: one engine step at a time per execution, on any replica. */
  async forUpdate(em: Em, id: string): Promise<FlowRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where id = ? for update`, [id]);
    return rows[0] ? toRequest(rows[0]) : null;
  },
  async byTokenHash(em: Em, hash: Buffer, lock = false): Promise<FlowRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where token_hash = ?${lock ? ' for update' : ''}`, [hash]);
    return rows[0] ? toRequest(rows[0]) : null;
  },
  async byIds(em: Em, ids: readonly string[]): Promise<FlowRequest[]> {
    if (!ids.length) return [];
    return (await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toRequest);
  },
  async page(em: Em, limit: number, after: { createdAt: string; id: string } | null): Promise<FlowRequest[]> {
    const rows = after
      ? await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where (created_at, id) < (?::timestamptz, ?::uuid) order by created_at desc, id desc limit ?`, [after.createdAt, after.id, limit + 1])
      : await em.execute<RequestRow[]>(`select ${COLS} from flow_requests order by created_at desc, id desc limit ?`, [limit + 1]);
    return rows.map(toRequest);
  },
  async update(em: Em, id: string, s: { status: RequestStatus; outcome?: Outcome | null; summary?: Record<string, unknown> | null; failureCode?: string | null; currentStepKey?: string | null }): Promise<FlowRequest> {
    const ended = s.status !== 'CREATED' && s.status !== 'IN_PROGRESS';
    // Any move of the engine ends a provider step's lease (its answer was recorded, or the execution ended).
    const rows = await em.execute<RequestRow[]>(`update flow_requests set status = ?, outcome = ?, summary = ?::jsonb, failure_code = ?, current_step_key = ?, updated_at = clock_timestamp(),
      lease_id = null, lease_step_key = null, lease_until = null${ended ? ', completed_at = clock_timestamp()' : ''}
      where id = ? returning ${COLS}`, [s.status, s.outcome ?? null, s.summary ? jsonParam(s.summary) : null, s.failureCode ?? null, s.currentStepKey ?? null, id]);
    return toRequest(rows[0]!);
  },

  /** A fresh lease on a provider step (the row is locked by the caller): the call happens after the commit. */
  async claim(em: Em, id: string, leaseId: string, stepKey: string, leaseMs: number): Promise<FlowRequest> {
    const rows = await em.execute<RequestRow[]>(`update flow_requests set lease_id = ?, lease_step_key = ?, lease_until = clock_timestamp() + make_interval(secs => ?::float8 / 1000),
      current_step_key = null, updated_at = clock_timestamp() where id = ? returning ${COLS}`, [leaseId, stepKey, leaseMs, id]);
    return toRequest(rows[0]!);
  },
  async releaseLease(em: Em, id: string): Promise<void> {
    await em.execute('update flow_requests set lease_id = null, lease_step_key = null, lease_until = null where id = ?', [id]);
  },
  /** The newest execution the requester correlated with `externalRef`, locked. */
  async latestByExternalRef(em: Em, externalRef: string): Promise<FlowRequest | null> {
    const rows = await em.execute<RequestRow[]>(`select ${COLS} from flow_requests where external_ref = ? order by created_at desc, id desc limit 1 for update`, [externalRef]);
    return rows[0] ? toRequest(rows[0]) : null;
  },
  /** Replaces the access token (only the newest one issued opens the session). */
  async replaceToken(em: Em, id: string, tokenHash: Buffer): Promise<void> {
    await em.execute('update flow_requests set token_hash = ?, updated_at = clock_timestamp() where id = ?', [tokenHash, id]);
  },

  async results(em: Em, requestIds: readonly string[]): Promise<StepResult[]> {
    if (!requestIds.length) return [];
    return (await em.execute<ResultRow[]>(`select ${RESULT_COLS} from flow_step_results where request_id = any(${UUID_ARRAY_PARAM}) order by completed_at, step_key`, [jsonParam(requestIds)])).map(toResult);
  },
  async insertResult(em: Em, tenantId: string, r: { requestId: string; stepKey: string; status: StepResultStatus; output: unknown; submissionKey?: string | null; submissionHash?: string | null }): Promise<void> {
    await em.execute(`insert into flow_step_results (request_id, tenant_id, step_key, status, output, submission_key, submission_hash) values (?, ?, ?, ?, ?::jsonb, ?, ?)`,
      [r.requestId, tenantId, r.stepKey, r.status, r.output === undefined ? null : jsonParam(r.output), r.submissionKey ?? null, r.submissionHash ?? null]);
  },
};
