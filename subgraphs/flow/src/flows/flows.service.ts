/**
 * Flow definitions: flows, versions (draft -> published -> archived, discard a draft), ordered
 * steps and rules. Only a DRAFT is ever changed (the version row is locked for the change), so a
 * published version is immutable and executions that pinned it see it as it was.
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { requireRole, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { byKeys, cursorOf, groupedBy, newestFirstPage } from '../common/page';
import type {
  AddFlowRuleInput, AddFlowStepInput, AssignFlowInput, CreateFlowInput, ReorderFlowStepsInput, UpdateFlowDraftInput, UpdateFlowRuleInput, UpdateFlowStepInput,
} from '../__generated__/graphql';
import { FLOW_DESIGNERS, FLOW_READERS } from '../common/roles';
import { compileSchema } from '../common/json-schema';
import { reject } from '../i18n/messages';
import { validateCondition, type Condition, type RuleProblemReason } from '../rules/rules';
import { flowsStore, type Flow, type FlowRule, type FlowStep, type FlowVersion, type Outcome } from './flows.store';

export type { Flow, FlowRule, FlowStep, FlowVersion };

export const MAX_NAME = 120;
export const MAX_STEPS = 30;
export const MAX_RULES = 50;
export const MAX_MAPPING_FIELDS = 20;
export const MAX_ORGANIZATIONS = 100;
export const TIMEOUT_MS = { min: 100, max: 60_000, default: 10_000 } as const;
export const SESSION_TTL = { min: 60, max: 2_592_000, default: 86_400 } as const;
const CODE = /^[A-Z][A-Z0-9_]{1,39}$/;
const STEP_KEY = /^[a-z][a-z0-9_]{0,39}$/;
const MAPPING_PATH = /^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,11}$/;

const REASONS: Record<RuleProblemReason, string> = {
  NOT_AN_OBJECT: 'expected an object', UNKNOWN_SHAPE: 'expected exactly one of all, any, not or op', TOO_DEEP: 'nested too deeply (at most 8 levels)',
  TOO_MANY_NODES: 'too many conditions (at most 200)', EMPTY_LIST: 'the list is empty', NOT_A_LIST: 'expected a list', UNKNOWN_OPERATOR: 'unknown operator',
  BAD_PATH: 'expected a dot path of letters, digits and _', VALUE_REQUIRED: 'the operator needs a value', VALUE_NOT_ALLOWED: 'the operator takes no value',
  BAD_VALUE: 'the value does not suit the operator', UNSAFE_PATTERN: 'the pattern is not in the safe subset (no nested quantifiers, backreferences or lookaround; at most 100 characters)', UNKNOWN_KEY: 'unknown key',
};

function checkName(raw: string, field = 'name'): string {
  const name = raw.trim();
  if (!name) reject('NAME_REQUIRED', { field });
  if (name.length > MAX_NAME) reject('NAME_TOO_LONG', { field, params: { max: MAX_NAME } });
  if (notPlainText(name)) reject('NAME_NOT_PLAIN_TEXT', { field });
  return name;
}

/** Refuses a condition with the JSON path of its first problem (field `condition$.all[1].op`). */
export function checkCondition(condition: unknown): Condition {
  const problem = validateCondition(condition);
  if (problem) reject('RULE_INVALID', { field: `condition${problem.path}`, params: { path: problem.path, reason: REASONS[problem.reason] } });
  return condition as Condition;
}

function checkMapping(mapping: unknown): Record<string, string> {
  if (mapping === null || mapping === undefined) return {};
  const ok = typeof mapping === 'object' && !Array.isArray(mapping)
    && Object.keys(mapping).length <= MAX_MAPPING_FIELDS
    && Object.entries(mapping as Record<string, unknown>).every(([k, v]) => /^[A-Za-z][A-Za-z0-9_]{0,39}$/.test(k) && typeof v === 'string' && MAPPING_PATH.test(v));
  if (!ok) reject('INPUT_MAPPING_INVALID', { field: 'inputMapping', params: { max: MAX_MAPPING_FIELDS } });
  return mapping as Record<string, string>;
}

function checkSchema(schema: unknown): Record<string, unknown> | null {
  if (schema === null || schema === undefined) return null;
  const compiled = compileSchema(schema);
  if ('problem' in compiled) reject('INPUT_SCHEMA_INVALID', { field: 'inputSchema', params: { reason: compiled.problem } });
  return schema as Record<string, unknown>;
}

function checkTimeout(ms: number | null | undefined): number {
  const t = ms ?? TIMEOUT_MS.default;
  if (!Number.isInteger(t) || t < TIMEOUT_MS.min || t > TIMEOUT_MS.max) reject('TIMEOUT_OUT_OF_RANGE', { field: 'timeoutMs', params: { min: TIMEOUT_MS.min, max: TIMEOUT_MS.max } });
  return t;
}

function checkStepShape(type: FlowStep['type'], capability: FlowStep['capability']) {
  if (type === 'PROVIDER' && !capability) reject('CAPABILITY_REQUIRED', { field: 'capability' });
  if (type !== 'PROVIDER' && capability) reject('CAPABILITY_NOT_ALLOWED', { field: 'capability' });
}

export class FlowsService {
  constructor(private readonly orm: Orm) {}

  private tx<T>(auth: AuthContext, work: (em: Em) => Promise<T>) {
    return inTenantTx(this.orm, { tenantId: auth.tenantId }, work);
  }

  /** The draft a change applies to, locked; VERSION_NOT_FOUND / VERSION_NOT_DRAFT otherwise. */
  private async draft(em: Em, versionId: string, field = 'versionId'): Promise<FlowVersion> {
    const v = isUuid(versionId) ? await flowsStore.versionForUpdate(em, versionId) : null;
    if (!v) reject('VERSION_NOT_FOUND', { field });
    if (v.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field, params: { status: v.status } });
    return v;
  }

  private async stepOfDraft(em: Em, stepId: string): Promise<{ step: FlowStep; version: FlowVersion }> {
    const step = isUuid(stepId) ? await flowsStore.step(em, stepId) : null;
    if (!step) reject('STEP_NOT_FOUND', { field: 'stepId' });
    return { step, version: await this.draft(em, step.versionId, 'stepId') };
  }

  private async ruleOfDraft(em: Em, ruleId: string): Promise<{ rule: FlowRule; version: FlowVersion }> {
    const rule = isUuid(ruleId) ? await flowsStore.rule(em, ruleId) : null;
    if (!rule) reject('RULE_NOT_FOUND', { field: 'ruleId' });
    return { rule, version: await this.draft(em, rule.versionId, 'ruleId') };
  }

  createFlow(caller: Caller, input: CreateFlowInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const code = input.code.trim();
      if (!CODE.test(code)) reject('FLOW_CODE_INVALID', { field: 'code' });
      const name = checkName(input.name);
      if (await flowsStore.flowByCode(em, code)) reject('FLOW_CODE_TAKEN', { field: 'code', params: { code } });
      const flow = await flowsStore.insertFlow(em, { id: crypto.randomUUID(), tenantId: auth.tenantId, code, name });
      await flowsStore.insertVersion(em, { id: crypto.randomUUID(), tenantId: auth.tenantId, flowId: flow.id, number: 1, defaultOutcome: 'APPROVED', sessionTtlSeconds: SESSION_TTL.default });
      return { flow };
    }), { flow: null }, { onUniqueViolation: () => ({ code: 'FLOW_CODE_TAKEN', message: `A flow with code ${input.code.trim()} already exists`, field: 'code', params: { code: input.code.trim() } }) });
  }

  assignFlow(caller: Caller, input: AssignFlowInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const ids = [...new Set(input.organizationIds)];
      if (ids.length > MAX_ORGANIZATIONS || !ids.every(isUuid)) reject('ORGANIZATION_INVALID', { field: 'organizationIds', params: { max: MAX_ORGANIZATIONS } });
      const flow = isUuid(input.flowId) ? await flowsStore.setOrganizations(em, input.flowId, ids) : null;
      if (!flow) reject('FLOW_NOT_FOUND', { field: 'flowId' });
      return { flow };
    }), { flow: null });
  }

  createDraft(caller: Caller, flowId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const [flow] = isUuid(flowId) ? await flowsStore.flowsByIds(em, [flowId]) : [];
      if (!flow) reject('FLOW_NOT_FOUND', { field: 'flowId' });
      const versions = await flowsStore.versionsOfFlows(em, [flow.id]);
      const existing = versions.find((v) => v.status === 'DRAFT');
      if (existing) reject('DRAFT_EXISTS', { field: 'flowId', params: { number: existing.number } });
      const base = versions.find((v) => v.status === 'PUBLISHED') ?? versions.at(-1);
      const version = await flowsStore.insertVersion(em, {
        id: crypto.randomUUID(), tenantId: auth.tenantId, flowId: flow.id, number: (await flowsStore.lastVersionNumber(em, flow.id)) + 1,
        defaultOutcome: base?.defaultOutcome ?? 'APPROVED', sessionTtlSeconds: base?.sessionTtlSeconds ?? SESSION_TTL.default,
      });
      if (base) await flowsStore.copyContent(em, base.id, version.id);
      return { version };
    }), { version: null }, { onUniqueViolation: () => ({ code: 'DRAFT_EXISTS', message: 'The flow already has a draft', field: 'flowId', params: { number: 0 } }) });
  }

  updateDraft(caller: Caller, input: UpdateFlowDraftInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      await this.draft(em, input.versionId);
      const ttl = input.sessionTtlSeconds;
      if (ttl !== null && ttl !== undefined && (ttl < SESSION_TTL.min || ttl > SESSION_TTL.max)) reject('TTL_OUT_OF_RANGE', { field: 'sessionTtlSeconds', params: { min: SESSION_TTL.min, max: SESSION_TTL.max } });
      return { version: await flowsStore.updateDraft(em, input.versionId, { defaultOutcome: (input.defaultOutcome ?? undefined) as Outcome | undefined, sessionTtlSeconds: ttl ?? undefined }) };
    }), { version: null });
  }

  discardDraft(caller: Caller, versionId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = await this.draft(em, versionId);
      await flowsStore.deleteDraft(em, version.id);
      return { version: null };
    }), { version: null });
  }

  publish(caller: Caller, versionId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = await this.draft(em, versionId);
      const steps = await flowsStore.stepsOf(em, [version.id]);
      if (!steps.length) reject('NO_STEPS', { field: 'versionId' });
      const keys = new Set(steps.map((s) => s.key));
      for (const rule of await flowsStore.rulesOf(em, [version.id])) {
        if (rule.stepKey && !keys.has(rule.stepKey)) reject('RULE_STEP_UNKNOWN', { field: 'versionId', params: { key: rule.stepKey } });
      }
      const previous = await flowsStore.publishedOf(em, version.flowId);
      if (previous) await flowsStore.setStatus(em, previous.id, 'ARCHIVED');
      return { version: await flowsStore.setStatus(em, version.id, 'PUBLISHED') };
    }), { version: null });
  }

  archive(caller: Caller, versionId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = isUuid(versionId) ? await flowsStore.versionForUpdate(em, versionId) : null;
      if (!version) reject('VERSION_NOT_FOUND', { field: 'versionId' });
      if (version.status !== 'PUBLISHED') reject('VERSION_NOT_PUBLISHED', { field: 'versionId', params: { status: version.status } });
      return { version: await flowsStore.setStatus(em, version.id, 'ARCHIVED') };
    }), { version: null });
  }

  addStep(caller: Caller, input: AddFlowStepInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = await this.draft(em, input.versionId);
      const key = input.key.trim();
      if (!STEP_KEY.test(key)) reject('STEP_KEY_INVALID', { field: 'key' });
      const name = checkName(input.name);
      checkStepShape(input.type, input.capability ?? null);
      const inputMapping = checkMapping(input.inputMapping);
      const inputSchema = checkSchema(input.inputSchema);
      const timeoutMs = checkTimeout(input.timeoutMs);
      const steps = await flowsStore.stepsOf(em, [version.id]);
      if (steps.length >= MAX_STEPS) reject('TOO_MANY_STEPS', { field: 'versionId', params: { max: MAX_STEPS } });
      if (steps.some((s) => s.key === key)) reject('STEP_KEY_TAKEN', { field: 'key', params: { key } });
      const position = input.position ?? steps.length;
      if (!Number.isInteger(position) || position < 0 || position > steps.length) reject('POSITION_OUT_OF_RANGE', { field: 'position', params: { max: steps.length } });
      const step = await flowsStore.insertStep(em, {
        id: crypto.randomUUID(), tenantId: auth.tenantId, versionId: version.id, position, key, name, type: input.type,
        capability: input.capability ?? null, inputMapping, inputSchema, timeoutMs, onError: input.onError ?? 'FAIL',
      });
      return { step };
    }), { step: null });
  }

  updateStep(caller: Caller, input: UpdateFlowStepInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const { step } = await this.stepOfDraft(em, input.stepId);
      const next: FlowStep = {
        ...step,
        name: input.name === undefined || input.name === null ? step.name : checkName(input.name),
        capability: input.capability === undefined ? step.capability : input.capability,
        inputMapping: input.inputMapping === undefined ? step.inputMapping : checkMapping(input.inputMapping),
        inputSchema: input.inputSchema === undefined ? step.inputSchema : checkSchema(input.inputSchema),
        timeoutMs: input.timeoutMs === undefined || input.timeoutMs === null ? step.timeoutMs : checkTimeout(input.timeoutMs),
        onError: input.onError ?? step.onError,
      };
      checkStepShape(next.type, next.capability);
      return { step: await flowsStore.updateStep(em, next) };
    }), { step: null });
  }

  removeStep(caller: Caller, stepId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const { step, version } = await this.stepOfDraft(em, stepId);
      const using = (await flowsStore.rulesOf(em, [version.id])).find((r) => r.stepKey === step.key);
      if (using) reject('STEP_IN_USE', { field: 'stepId', params: { rule: using.name } });
      await flowsStore.deleteStep(em, step);
      return { version };
    }), { version: null });
  }

  reorderSteps(caller: Caller, input: ReorderFlowStepsInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = await this.draft(em, input.versionId);
      const steps = await flowsStore.stepsOf(em, [version.id]);
      const given = input.stepIds;
      const same = given.length === steps.length && new Set(given).size === given.length && given.every((id) => steps.some((s) => s.id === id));
      if (!same) reject('STEP_ORDER_INVALID', { field: 'stepIds' });
      await flowsStore.setPositions(em, version.id, given);
      return { version };
    }), { version: null });
  }

  private async checkRuleShape(em: Em, versionId: string, kind: FlowRule['kind'], stepKey: string | null, outcome: Outcome | null) {
    if (kind === 'SKIP_STEP' && !stepKey) reject('RULE_STEP_REQUIRED', { field: 'stepKey' });
    if (kind === 'OUTCOME' && !outcome) reject('OUTCOME_REQUIRED', { field: 'outcome' });
    if (kind === 'SKIP_STEP' && outcome) reject('OUTCOME_NOT_ALLOWED', { field: 'outcome' });
    if (stepKey && !(await flowsStore.stepsOf(em, [versionId])).some((s) => s.key === stepKey)) reject('RULE_STEP_UNKNOWN', { field: 'stepKey', params: { key: stepKey } });
  }

  addRule(caller: Caller, input: AddFlowRuleInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const version = await this.draft(em, input.versionId);
      const name = checkName(input.name);
      const condition = checkCondition(input.condition);
      const stepKey = input.stepKey ?? null;
      const outcome = (input.outcome ?? null) as Outcome | null;
      await this.checkRuleShape(em, version.id, input.kind, stepKey, outcome);
      if ((await flowsStore.rulesOf(em, [version.id])).length >= MAX_RULES) reject('TOO_MANY_RULES', { field: 'versionId', params: { max: MAX_RULES } });
      return { rule: await flowsStore.insertRule(em, { id: crypto.randomUUID(), tenantId: auth.tenantId, versionId: version.id, name, kind: input.kind, stepKey, condition, outcome }) };
    }), { rule: null });
  }

  updateRule(caller: Caller, input: UpdateFlowRuleInput) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const { rule } = await this.ruleOfDraft(em, input.ruleId);
      const next: FlowRule = {
        ...rule,
        name: input.name === undefined || input.name === null ? rule.name : checkName(input.name),
        condition: input.condition === undefined || input.condition === null ? rule.condition : checkCondition(input.condition),
        stepKey: input.stepKey === undefined ? rule.stepKey : input.stepKey,
        outcome: input.outcome === undefined ? rule.outcome : (input.outcome as Outcome | null),
      };
      await this.checkRuleShape(em, rule.versionId, next.kind, next.stepKey, next.outcome);
      return { rule: await flowsStore.updateRule(em, next) };
    }), { rule: null });
  }

  removeRule(caller: Caller, ruleId: string) {
    const auth = requireRole(caller.auth, ...FLOW_DESIGNERS);
    return payload(() => this.tx(auth, async (em) => {
      const { rule, version } = await this.ruleOfDraft(em, ruleId);
      await flowsStore.deleteRule(em, rule.id);
      return { version };
    }), { version: null });
  }

  // ---- reads ----

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<Flow>> {
    const user = requireRole(auth, ...FLOW_READERS);
    const { limit, after } = newestFirstPage(args);
    const rows = await this.tx(user, (em) => flowsStore.flowPage(em, limit, after));
    return toConnection(rows, limit, cursorOf);
  }

  async byCode(auth: AuthContext, code: string): Promise<Flow | null> {
    const user = requireRole(auth, ...FLOW_READERS);
    return this.tx(user, (em) => flowsStore.flowByCode(em, code));
  }

  // For the DataLoaders: one statement for many keys; RLS leaves another tenant's ids out.
  async flowsByIds(auth: AuthContext, ids: readonly string[]): Promise<(Flow | null)[]> {
    return byKeys(ids, await this.tx(auth, (em) => flowsStore.flowsByIds(em, ids.filter(isUuid))));
  }
  async versionsByIds(auth: AuthContext, ids: readonly string[]): Promise<(FlowVersion | null)[]> {
    return byKeys(ids, await this.tx(auth, (em) => flowsStore.versionsByIds(em, ids.filter(isUuid))));
  }
  async versionsOfFlows(auth: AuthContext, flowIds: readonly string[]): Promise<FlowVersion[][]> {
    return groupedBy(flowIds, await this.tx(auth, (em) => flowsStore.versionsOfFlows(em, flowIds)), (v) => v.flowId);
  }
  async stepsOf(auth: AuthContext, versionIds: readonly string[]): Promise<FlowStep[][]> {
    return groupedBy(versionIds, await this.tx(auth, (em) => flowsStore.stepsOf(em, versionIds)), (s) => s.versionId);
  }
  async rulesOf(auth: AuthContext, versionIds: readonly string[]): Promise<FlowRule[][]> {
    return groupedBy(versionIds, await this.tx(auth, (em) => flowsStore.rulesOf(em, versionIds)), (r) => r.versionId);
  }
}
