/**
 * SQL of credit applications, their steps, step submissions and consent evidence. Every function
 * runs on the `em` of a tenant-scoped transaction (RLS): another tenant's rows do not exist here.
 * The engine takes the application's row lock (`for update`) before changing anything, so a
 * submission, a consumer and the job never interleave on one application.
 */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import { fmt } from '../common/money';
import type { StepCondition } from '../pipeline/steps';
import type { Application, ApplicationFilter, ApplicationStatus, AppStep, Consent, StepState } from './applications.types';

interface ApplicationRow {
  id: string; tenant_id: string; product_id: string; version_id: string; borrower_id: string; subject_ref: string; amount: string; currency: string;
  minor_units: number; term: number; locale: string; status: ApplicationStatus; current_step: string | null; decision_reason: string | null;
  approved_at: string | null; decided_at: string | null; credit_id: string | null; expires_at: string; created_at: string; attempts: number; request_hash: string;
  product_code: string;
}
const APP_COLUMNS = `a.id, a.tenant_id, a.product_id, a.version_id, a.borrower_id, a.subject_ref, a.amount::text as amount, trim(a.currency) as currency, a.minor_units,
  a.term, a.locale, a.status, a.current_step, a.decision_reason, ${iso('a.approved_at')} as approved_at, ${iso('a.decided_at')} as decided_at, a.credit_id,
  ${iso('a.expires_at')} as expires_at, ${iso('a.created_at')} as created_at, a.attempts, a.request_hash,
  (select p.code from credit_products p where p.id = a.product_id) as product_code`;
const APP_SELECT = `select ${APP_COLUMNS} from credit_applications a`;
const toApp = (r: ApplicationRow): Application => ({
  id: r.id, tenantId: r.tenant_id, productId: r.product_id, versionId: r.version_id, borrowerId: r.borrower_id, subjectRef: r.subject_ref,
  amount: fmt(r.amount, r.minor_units), currency: r.currency, minorUnits: r.minor_units, term: r.term, locale: r.locale, status: r.status,
  currentStep: r.current_step, decisionReason: r.decision_reason, approvedAt: r.approved_at, decidedAt: r.decided_at, creditId: r.credit_id,
  expiresAt: r.expires_at, createdAt: r.created_at, attempts: r.attempts, requestHash: r.request_hash, productCode: r.product_code,
});

interface StepRow {
  application_id: string; key: string; position: number; type: AppStep['type']; config: AppStep['config']; run_when: StepCondition | null; state: StepState;
  input: unknown; output: Record<string, unknown>; started_at: string | null; completed_at: string | null;
}
const STEP_COLUMNS = `s.application_id, s.key, s.position, s.type, s.config, s.run_when, s.state, s.input, s.output, ${iso('s.started_at')} as started_at, ${iso('s.completed_at')} as completed_at`;
const toStep = (r: StepRow): AppStep => ({
  applicationId: r.application_id, key: r.key, position: r.position, type: r.type, config: r.config, runWhen: r.run_when, state: r.state,
  input: r.input, output: r.output ?? {}, startedAt: r.started_at, completedAt: r.completed_at,
});

export interface NewApplication {
  id: string; tenantId: string; productId: string; versionId: string; borrowerId: string; subjectRef: string; amount: string; currency: string; minorUnits: number;
  term: number; locale: string; idempotencyKey: string; requestHash: string; expiresAt: string;
}

/** Inserts the application unless the borrower already used the idempotency key (then null). */
export async function insertApplication(em: Em, a: NewApplication): Promise<boolean> {
  const rows = await em.execute<{ id: string }[]>(
    `insert into credit_applications (id, tenant_id, product_id, version_id, borrower_id, subject_ref, amount, currency, minor_units, term, locale, status, idempotency_key, request_hash, expires_at)
     values (?, ?, ?, ?, ?, ?, ?::numeric, ?, ?, ?, ?, 'IN_PROGRESS', ?, ?, ?::timestamptz)
     on conflict (tenant_id, borrower_id, idempotency_key) do nothing returning id`,
    [a.id, a.tenantId, a.productId, a.versionId, a.borrowerId, a.subjectRef, a.amount, a.currency, a.minorUnits, a.term, a.locale, a.idempotencyKey, a.requestHash, a.expiresAt]);
  return rows.length === 1;
}

export async function insertSteps(em: Em, tenantId: string, applicationId: string, steps: { key: string; position: number; type: string; config: unknown; runWhen: StepCondition | null }[]): Promise<void> {
  await em.execute(
    `insert into application_steps (application_id, key, tenant_id, position, type, config, run_when, state)
     select ?, s->>'key', ?, (s->>'position')::int, s->>'type', s->'config', nullif(s->'runWhen', 'null'::jsonb), 'PENDING' from jsonb_array_elements(?::jsonb) s`,
    [applicationId, tenantId, jsonParam(steps)]);
}

export async function applicationByKey(em: Em, borrowerId: string, key: string): Promise<Application | null> {
  const rows = await em.execute<ApplicationRow[]>(`${APP_SELECT} where a.borrower_id = ? and a.idempotency_key = ?`, [borrowerId, key]);
  return rows[0] ? toApp(rows[0]) : null;
}

export async function applicationById(em: Em, id: string, lock = false): Promise<Application | null> {
  const rows = await em.execute<ApplicationRow[]>(`${APP_SELECT} where a.id = ?${lock ? ' for update' : ''}`, [id]);
  return rows[0] ? toApp(rows[0]) : null;
}

export async function applicationsByIds(em: Em, ids: string[]): Promise<Application[]> {
  return (await em.execute<ApplicationRow[]>(`${APP_SELECT} where a.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toApp);
}

export async function applicationsOfBorrowers(em: Em, ids: string[]): Promise<Application[]> {
  return (await em.execute<ApplicationRow[]>(`${APP_SELECT} where a.borrower_id = any(${UUID_ARRAY_PARAM}) order by a.created_at desc, a.id desc`, [jsonParam(ids)])).map(toApp);
}

export async function stepsOf(em: Em, applicationIds: string[]): Promise<AppStep[]> {
  return (await em.execute<StepRow[]>(`select ${STEP_COLUMNS} from application_steps s where s.application_id = any(${UUID_ARRAY_PARAM}) order by s.application_id, s.position`, [jsonParam(applicationIds)])).map(toStep);
}

export async function updateApplication(em: Em, id: string, a: Pick<Application, 'status' | 'currentStep' | 'decisionReason' | 'approvedAt' | 'decidedAt' | 'creditId' | 'attempts'>, nextRunAt: string | null): Promise<void> {
  await em.execute(
    `update credit_applications set status = ?, current_step = ?, decision_reason = ?, approved_at = ?::timestamptz, decided_at = ?::timestamptz, credit_id = ?, attempts = ?,
       next_run_at = ?::timestamptz, updated_at = date_trunc('milliseconds', clock_timestamp()) where id = ?`,
    [a.status, a.currentStep, a.decisionReason, a.approvedAt, a.decidedAt, a.creditId, a.attempts, nextRunAt, id]);
}

export async function updateStep(em: Em, s: AppStep): Promise<void> {
  await em.execute(
    `update application_steps set state = ?, input = ?::jsonb, output = ?::jsonb, started_at = ?::timestamptz, completed_at = ?::timestamptz,
       updated_at = date_trunc('milliseconds', clock_timestamp()) where application_id = ? and key = ?`,
    [s.state, s.input === null || s.input === undefined ? null : jsonParam(s.input), jsonParam(s.output), s.startedAt, s.completedAt, s.applicationId, s.key]);
}

/** Records a submission's idempotency key; false when the key was used before (its hash is returned then). */
export async function insertSubmission(em: Em, s: { applicationId: string; tenantId: string; key: string; stepKey: string; requestHash: string }): Promise<boolean> {
  const rows = await em.execute<{ k: string }[]>(
    `insert into step_submissions (application_id, idempotency_key, tenant_id, step_key, request_hash) values (?, ?, ?, ?, ?)
     on conflict (application_id, idempotency_key) do nothing returning idempotency_key as k`, [s.applicationId, s.key, s.tenantId, s.stepKey, s.requestHash]);
  return rows.length === 1;
}

export async function submissionHash(em: Em, applicationId: string, key: string): Promise<string | null> {
  const rows = await em.execute<{ request_hash: string }[]>('select request_hash from step_submissions where application_id = ? and idempotency_key = ?', [applicationId, key]);
  return rows[0]?.request_hash ?? null;
}

export async function insertConsents(em: Em, rows: (Omit<Consent, 'applicationId'> & { id: string; tenantId: string; applicationId: string; documentId: string })[]): Promise<void> {
  await em.execute(
    `insert into consent_evidence (id, tenant_id, application_id, step_key, document_id, document_code, document_version, sha256, ip, user_agent, device_fingerprint, accepted_at)
     select (c->>'id')::uuid, (c->>'tenantId')::uuid, (c->>'applicationId')::uuid, c->>'stepKey', (c->>'documentId')::uuid, c->>'documentCode', (c->>'documentVersion')::int,
            c->>'sha256', c->>'ip', c->>'userAgent', c->>'deviceFingerprint', (c->>'acceptedAt')::timestamptz from jsonb_array_elements(?::jsonb) c`, [jsonParam(rows)]);
}

export async function consentsOf(em: Em, applicationIds: string[]): Promise<Consent[]> {
  const rows = await em.execute<{ application_id: string; step_key: string; document_code: string; document_version: number; sha256: string; ip: string | null; user_agent: string | null; device_fingerprint: string | null; accepted_at: string }[]>(
    `select application_id, step_key, document_code, document_version, sha256, ip, user_agent, device_fingerprint, ${iso('accepted_at')} as accepted_at
       from consent_evidence where application_id = any(${UUID_ARRAY_PARAM}) order by accepted_at, document_code`, [jsonParam(applicationIds)]);
  return rows.map((r) => ({ applicationId: r.application_id, stepKey: r.step_key, documentCode: r.document_code, documentVersion: r.document_version, sha256: r.sha256, ip: r.ip, userAgent: r.user_agent, deviceFingerprint: r.device_fingerprint, acceptedAt: r.accepted_at }));
}

/** Whether another borrower's application of the tenant verified `destination` already. */
export async function contactTakenByOther(em: Em, destination: string, borrowerId: string): Promise<boolean> {
  const rows = await em.execute<{ taken: boolean }[]>(
    `select exists (select 1 from application_steps s join credit_applications a on a.id = s.application_id
       where s.type = 'CONTACT_VERIFICATION' and s.state = 'COMPLETED' and s.output->>'destination' = ? and a.borrower_id <> ?) as taken`, [destination, borrowerId]);
  return rows[0]?.taken === true;
}

export interface Keyset { createdAt: string; id: string }

/** A page of the tenant's applications (keyset on created_at, id), constant SQL whatever the filter. */
export async function listApplications(em: Em, f: ApplicationFilter, from: Keyset | null, limit: number): Promise<Application[]> {
  const rows = await em.execute<ApplicationRow[]>(
    `${APP_SELECT}
      where (?::text is null or a.status = ?) and (?::uuid is null or a.product_id = ?::uuid) and (?::uuid is null or a.borrower_id = ?::uuid)
        and (?::timestamptz is null or a.created_at >= ?::timestamptz) and (?::timestamptz is null or a.created_at < ?::timestamptz)
        and ((?::text is null and ?::text is null) or exists (select 1 from application_steps s where s.application_id = a.id and s.key = a.current_step
              and (?::text is null or s.type = ?) and (?::text is null or s.state = ?)))
        and (?::timestamptz is null or (a.created_at, a.id) > (?::timestamptz, ?::uuid))
      order by a.created_at, a.id limit ?`,
    [f.status ?? null, f.status ?? null, f.productId ?? null, f.productId ?? null, f.borrowerId ?? null, f.borrowerId ?? null,
      f.createdFrom ?? null, f.createdFrom ?? null, f.createdTo ?? null, f.createdTo ?? null,
      f.currentStepType ?? null, f.currentStepState ?? null, f.currentStepType ?? null, f.currentStepType ?? null, f.currentStepState ?? null, f.currentStepState ?? null,
      from?.createdAt ?? null, from?.createdAt ?? null, from?.id ?? null, limit]);
  return rows.map(toApp);
}

/** Open applications of the tenant for a subject (the blacklisting consumer), locked. */
export async function openApplicationsOfSubject(em: Em, subjectRef: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(`select id from credit_applications where subject_ref = ? and status in ('IN_PROGRESS', 'APPROVED') order by created_at for update`, [subjectRef]);
  return rows.map((r) => r.id);
}

/** Ids of the tenant's open applications the job should advance (due retries and timeouts) or expire, most overdue first. */
export async function dueApplications(em: Em, limit: number): Promise<{ id: string }[]> {
  return em.execute(
    `select id from credit_applications
      where status in ('IN_PROGRESS', 'APPROVED') and (next_run_at <= now() or expires_at <= now())
      order by least(coalesce(next_run_at, expires_at), expires_at) limit ?`, [limit]);
}
