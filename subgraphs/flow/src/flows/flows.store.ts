/** All SQL of flow definitions (flows, versions, steps, rules): typed rows in, domain objects out. Runs in the caller's tenant transaction (RLS). */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import type { Condition } from '../rules/rules';

export type VersionStatus = 'DRAFT' | 'PUBLISHED' | 'ARCHIVED';
export type Outcome = 'APPROVED' | 'REJECTED' | 'REVIEW';
export type StepType = 'FORM' | 'DOCUMENT' | 'PROVIDER';
export type Capability = 'CREDIT_BUREAU' | 'AML_SCREENING' | 'IDENTITY_DOCUMENT' | 'LIVENESS' | 'PHONE_LOOKUP';
export type ErrorPolicy = 'FAIL' | 'CONTINUE';
export type RuleKind = 'SKIP_STEP' | 'OUTCOME';

export interface Flow { id: string; tenantId: string; code: string; name: string; organizationIds: string[]; createdAt: string }
export interface FlowVersion { id: string; tenantId: string; flowId: string; number: number; status: VersionStatus; defaultOutcome: Outcome; sessionTtlSeconds: number; createdAt: string; publishedAt: string | null; archivedAt: string | null }
export interface FlowStep { id: string; versionId: string; position: number; key: string; name: string; type: StepType; capability: Capability | null; inputMapping: Record<string, string>; inputSchema: Record<string, unknown> | null; timeoutMs: number; onError: ErrorPolicy }
export interface FlowRule { id: string; versionId: string; position: number; name: string; kind: RuleKind; stepKey: string | null; condition: Condition; outcome: Outcome | null }

interface FlowRow { id: string; tenant_id: string; code: string; name: string; organization_ids: string[]; created_at: string }
interface VersionRow { id: string; tenant_id: string; flow_id: string; number: number; status: VersionStatus; default_outcome: Outcome; session_ttl_seconds: number; created_at: string; published_at: string | null; archived_at: string | null }
interface StepRow { id: string; version_id: string; position: number; key: string; name: string; type: StepType; capability: Capability | null; input_mapping: Record<string, string>; input_schema: Record<string, unknown> | null; timeout_ms: number; on_error: ErrorPolicy }
interface RuleRow { id: string; version_id: string; position: number; name: string; kind: RuleKind; step_key: string | null; condition: Condition; outcome: Outcome | null }

const FLOW_COLS = `id, tenant_id, code, name, organization_ids, ${iso('created_at')} as created_at`;
const VERSION_COLS = `id, tenant_id, flow_id, number, status, default_outcome, session_ttl_seconds, ${iso('created_at')} as created_at, ${iso('published_at')} as published_at, ${iso('archived_at')} as archived_at`;
const STEP_COLS = 'id, version_id, position, key, name, type, capability, input_mapping, input_schema, timeout_ms, on_error';
const RULE_COLS = 'id, version_id, position, name, kind, step_key, condition, outcome';

const toFlow = (r: FlowRow): Flow => ({ id: r.id, tenantId: r.tenant_id, code: r.code, name: r.name, organizationIds: r.organization_ids, createdAt: r.created_at });
const toVersion = (r: VersionRow): FlowVersion => ({ id: r.id, tenantId: r.tenant_id, flowId: r.flow_id, number: r.number, status: r.status, defaultOutcome: r.default_outcome, sessionTtlSeconds: r.session_ttl_seconds, createdAt: r.created_at, publishedAt: r.published_at, archivedAt: r.archived_at });
const toStep = (r: StepRow): FlowStep => ({ id: r.id, versionId: r.version_id, position: r.position, key: r.key, name: r.name, type: r.type, capability: r.capability, inputMapping: r.input_mapping, inputSchema: r.input_schema, timeoutMs: r.timeout_ms, onError: r.on_error });
const toRule = (r: RuleRow): FlowRule => ({ id: r.id, versionId: r.version_id, position: r.position, name: r.name, kind: r.kind, stepKey: r.step_key, condition: r.condition, outcome: r.outcome });

export const flowsStore = {
  async insertFlow(em: Em, f: { id: string; tenantId: string; code: string; name: string }): Promise<Flow> {
    const rows = await em.execute<FlowRow[]>(`insert into flows (id, tenant_id, code, name) values (?, ?, ?, ?) returning ${FLOW_COLS}`, [f.id, f.tenantId, f.code, f.name]);
    return toFlow(rows[0]!);
  },
  async setOrganizations(em: Em, flowId: string, organizationIds: string[]): Promise<Flow | null> {
    const rows = await em.execute<FlowRow[]>(`update flows set organization_ids = ${UUID_ARRAY_PARAM} where id = ? returning ${FLOW_COLS}`, [jsonParam(organizationIds), flowId]);
    return rows[0] ? toFlow(rows[0]) : null;
  },
  async flowsByIds(em: Em, ids: readonly string[]): Promise<Flow[]> {
    if (!ids.length) return [];
    return (await em.execute<FlowRow[]>(`select ${FLOW_COLS} from flows where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toFlow);
  },
  async flowByCode(em: Em, code: string): Promise<Flow | null> {
    const rows = await em.execute<FlowRow[]>(`select ${FLOW_COLS} from flows where code = ?`, [code]);
    return rows[0] ? toFlow(rows[0]) : null;
  },
  async flowPage(em: Em, limit: number, after: { createdAt: string; id: string } | null): Promise<Flow[]> {
    const rows = after
      ? await em.execute<FlowRow[]>(`select ${FLOW_COLS} from flows where (created_at, id) < (?::timestamptz, ?::uuid) order by created_at desc, id desc limit ?`, [after.createdAt, after.id, limit + 1])
      : await em.execute<FlowRow[]>(`select ${FLOW_COLS} from flows order by created_at desc, id desc limit ?`, [limit + 1]);
    return rows.map(toFlow);
  },

  async insertVersion(em: Em, v: { id: string; tenantId: string; flowId: string; number: number; defaultOutcome: Outcome; sessionTtlSeconds: number }): Promise<FlowVersion> {
    const rows = await em.execute<VersionRow[]>(`insert into flow_versions (id, tenant_id, flow_id, number, status, default_outcome, session_ttl_seconds) values (?, ?, ?, ?, 'DRAFT', ?, ?) returning ${VERSION_COLS}`,
      [v.id, v.tenantId, v.flowId, v.number, v.defaultOutcome, v.sessionTtlSeconds]);
    return toVersion(rows[0]!);
  },
  /** The version row locked for the rest of the transaction (edits of one draft are serialised). */
  async versionForUpdate(em: Em, id: string): Promise<FlowVersion | null> {
    const rows = await em.execute<VersionRow[]>(`select ${VERSION_COLS} from flow_versions where id = ? for update`, [id]);
    return rows[0] ? toVersion(rows[0]) : null;
  },
  async versionsByIds(em: Em, ids: readonly string[]): Promise<FlowVersion[]> {
    if (!ids.length) return [];
    return (await em.execute<VersionRow[]>(`select ${VERSION_COLS} from flow_versions where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toVersion);
  },
  async versionsOfFlows(em: Em, flowIds: readonly string[]): Promise<FlowVersion[]> {
    if (!flowIds.length) return [];
    return (await em.execute<VersionRow[]>(`select ${VERSION_COLS} from flow_versions where flow_id = any(${UUID_ARRAY_PARAM}) order by number`, [jsonParam(flowIds)])).map(toVersion);
  },
  async lastVersionNumber(em: Em, flowId: string): Promise<number> {
    const rows = await em.execute<{ n: number | null }[]>('select max(number) as n from flow_versions where flow_id = ?', [flowId]);
    return rows[0]?.n ?? 0;
  },
  async updateDraft(em: Em, id: string, changes: { defaultOutcome?: Outcome; sessionTtlSeconds?: number }): Promise<FlowVersion> {
    const rows = await em.execute<VersionRow[]>(`update flow_versions set default_outcome = coalesce(?, default_outcome), session_ttl_seconds = coalesce(?::int, session_ttl_seconds) where id = ? and status = 'DRAFT' returning ${VERSION_COLS}`,
      [changes.defaultOutcome ?? null, changes.sessionTtlSeconds ?? null, id]);
    return toVersion(rows[0]!);
  },
  async setStatus(em: Em, id: string, status: VersionStatus): Promise<FlowVersion> {
    const stamp = status === 'PUBLISHED' ? ', published_at = clock_timestamp()' : status === 'ARCHIVED' ? ', archived_at = clock_timestamp()' : '';
    const rows = await em.execute<VersionRow[]>(`update flow_versions set status = ?${stamp} where id = ? returning ${VERSION_COLS}`, [status, id]);
    return toVersion(rows[0]!);
  },
  async deleteDraft(em: Em, id: string): Promise<void> {
    await em.execute(`delete from flow_versions where id = ? and status = 'DRAFT'`, [id]);
  },
  async publishedOf(em: Em, flowId: string): Promise<FlowVersion | null> {
    const rows = await em.execute<VersionRow[]>(`select ${VERSION_COLS} from flow_versions where flow_id = ? and status = 'PUBLISHED'`, [flowId]);
    return rows[0] ? toVersion(rows[0]) : null;
  },
  /** Copies steps and rules of one version into another (a new draft). */
  async copyContent(em: Em, from: string, to: string): Promise<void> {
    await em.execute(`insert into flow_steps (id, tenant_id, version_id, position, key, name, type, capability, input_mapping, input_schema, timeout_ms, on_error)
      select gen_random_uuid(), tenant_id, ?, position, key, name, type, capability, input_mapping, input_schema, timeout_ms, on_error from flow_steps where version_id = ?`, [to, from]);
    await em.execute(`insert into flow_rules (id, tenant_id, version_id, position, name, kind, step_key, condition, outcome)
      select gen_random_uuid(), tenant_id, ?, position, name, kind, step_key, condition, outcome from flow_rules where version_id = ?`, [to, from]);
  },

  async stepsOf(em: Em, versionIds: readonly string[]): Promise<FlowStep[]> {
    if (!versionIds.length) return [];
    return (await em.execute<StepRow[]>(`select ${STEP_COLS} from flow_steps where version_id = any(${UUID_ARRAY_PARAM}) order by position`, [jsonParam(versionIds)])).map(toStep);
  },
  async step(em: Em, id: string): Promise<FlowStep | null> {
    const rows = await em.execute<StepRow[]>(`select ${STEP_COLS} from flow_steps where id = ?`, [id]);
    return rows[0] ? toStep(rows[0]) : null;
  },
  async insertStep(em: Em, s: Omit<FlowStep, 'position'> & { tenantId: string; position: number }): Promise<FlowStep> {
    // Make room at the position (the unique (version, position) check is deferred to commit).
    await em.execute('update flow_steps set position = position + 1 where version_id = ? and position >= ?', [s.versionId, s.position]);
    const rows = await em.execute<StepRow[]>(`insert into flow_steps (id, tenant_id, version_id, position, key, name, type, capability, input_mapping, input_schema, timeout_ms, on_error)
      values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?) returning ${STEP_COLS}`,
    [s.id, s.tenantId, s.versionId, s.position, s.key, s.name, s.type, s.capability, jsonParam(s.inputMapping), s.inputSchema === null ? null : jsonParam(s.inputSchema), s.timeoutMs, s.onError]);
    return toStep(rows[0]!);
  },
  async updateStep(em: Em, s: FlowStep): Promise<FlowStep> {
    const rows = await em.execute<StepRow[]>(`update flow_steps set name = ?, capability = ?, input_mapping = ?::jsonb, input_schema = ?::jsonb, timeout_ms = ?, on_error = ? where id = ? returning ${STEP_COLS}`,
      [s.name, s.capability, jsonParam(s.inputMapping), s.inputSchema === null ? null : jsonParam(s.inputSchema), s.timeoutMs, s.onError, s.id]);
    return toStep(rows[0]!);
  },
  async deleteStep(em: Em, step: FlowStep): Promise<void> {
    await em.execute('delete from flow_steps where id = ?', [step.id]);
    await em.execute('update flow_steps set position = position - 1 where version_id = ? and position > ?', [step.versionId, step.position]);
  },
  async setPositions(em: Em, versionId: string, orderedIds: string[]): Promise<void> {
    await em.execute(`update flow_steps s set position = o.ord - 1 from unnest(${UUID_ARRAY_PARAM}) with ordinality as o(id, ord) where s.id = o.id and s.version_id = ?`, [jsonParam(orderedIds), versionId]);
  },

  async rulesOf(em: Em, versionIds: readonly string[]): Promise<FlowRule[]> {
    if (!versionIds.length) return [];
    return (await em.execute<RuleRow[]>(`select ${RULE_COLS} from flow_rules where version_id = any(${UUID_ARRAY_PARAM}) order by position, created_at`, [jsonParam(versionIds)])).map(toRule);
  },
  async rule(em: Em, id: string): Promise<FlowRule | null> {
    const rows = await em.execute<RuleRow[]>(`select ${RULE_COLS} from flow_rules where id = ?`, [id]);
    return rows[0] ? toRule(rows[0]) : null;
  },
  async insertRule(em: Em, r: Omit<FlowRule, 'position'> & { tenantId: string }): Promise<FlowRule> {
    const rows = await em.execute<RuleRow[]>(`insert into flow_rules (id, tenant_id, version_id, position, name, kind, step_key, condition, outcome)
      values (?, ?, ?, (select coalesce(max(position) + 1, 0) from flow_rules where version_id = ?), ?, ?, ?, ?::jsonb, ?) returning ${RULE_COLS}`,
    [r.id, r.tenantId, r.versionId, r.versionId, r.name, r.kind, r.stepKey, jsonParam(r.condition), r.outcome]);
    return toRule(rows[0]!);
  },
  async updateRule(em: Em, r: FlowRule): Promise<FlowRule> {
    const rows = await em.execute<RuleRow[]>(`update flow_rules set name = ?, step_key = ?, condition = ?::jsonb, outcome = ? where id = ? returning ${RULE_COLS}`,
      [r.name, r.stepKey, jsonParam(r.condition), r.outcome, r.id]);
    return toRule(rows[0]!);
  },
  async deleteRule(em: Em, id: string): Promise<void> {
    await em.execute('delete from flow_rules where id = ?', [id]);
  },
};
