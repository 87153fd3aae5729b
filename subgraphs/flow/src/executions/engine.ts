/**
 * The execution engine: given a locked request, its pinned version's steps and rules and the
 * session, it moves the execution as far as it can go without the public side:
 *
 *   for each step in order that is not done:
 *     a SKIP_STEP rule of the step holds        -> SKIPPED
 *     FORM / DOCUMENT step                      -> the execution waits for it (IN_PROGRESS)
 *     PROVIDER step                             -> the provider gateway (router, retry, breaker,
 *                                                  failover); output at steps.<key>; on failure
 *                                                  on_error FAIL ends the execution FAILED,
 *                                                  CONTINUE records the step FAILED and goes on
 *     after the step, an OUTCOME rule of the step holds -> COMPLETED with its outcome
 *   at the end: the first OUTCOME rule without a step that holds, else the version's default.
 *
 * Everything it decides is written in the caller's transaction (step results, provider calls,
 * outbox events), so an execution's record and its events agree.
 */
import crypto from 'node:crypto';
import type { Em } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import type { FlowRule, FlowStep, FlowVersion, Flow, Outcome } from '../flows/flows.store';
import type { ProviderGateway } from '../providers/gateway';
import { providersStore, type ProviderConfig } from '../providers/providers.store';
import { DEFAULT_CHOICES } from '../providers/providers.service';
import { maskDocument } from '../providers/types';
import { evaluate, valueAt } from '../rules/rules';
import { executionsStore, type FlowRequest, type StepResultStatus } from './executions.store';
import type { Session } from './session';

export interface EngineInput {
  em: Em;
  request: FlowRequest;
  flow: Flow;
  version: FlowVersion;
  steps: FlowStep[];
  rules: FlowRule[];
  session: Session;
  meta: { actor: EventActor; requestId: string | null };
  /** Filled on first use: the tenant's provider configuration. */
  configs?: ProviderConfig[];
}

export type EngineResult = { request: FlowRequest; session: Session };

export class Engine {
  constructor(private readonly outbox: Outbox, private readonly gateway: ProviderGateway, private readonly log?: Logger) {}

  /** Records one step's end in the session, the results table and the outbox. */
  async recordStep(input: EngineInput, step: FlowStep, status: StepResultStatus, output: unknown, submission?: { key: string; hash: string }): Promise<void> {
    const { em, request, flow, session, meta } = input;
    await executionsStore.insertResult(em, request.tenantId, { requestId: request.id, stepKey: step.key, status, output, submissionKey: submission?.key, submissionHash: submission?.hash });
    session.done.push(step.key);
    if (output !== undefined) session.data.steps[step.key] = output;
    await this.outbox.publish(em, 'flow.step.completed', { requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, stepKey: step.key, status }, { tenantId: request.tenantId, ...meta });
  }

  async run(input: EngineInput): Promise<EngineResult> {
    // One working copy for the whole run: its request follows each change, its configs cache fills once.
    const io: EngineInput = { ...input };
    const { em, steps, rules, session } = io;
    if (io.request.status === 'CREATED') io.request = await executionsStore.update(em, io.request.id, { status: 'IN_PROGRESS', currentStepKey: null });
    for (const step of steps) {
      if (session.done.includes(step.key)) continue;
      const skip = rules.some((r) => r.kind === 'SKIP_STEP' && r.stepKey === step.key && evaluate(r.condition, session.data));
      if (skip) {
        await this.recordStep(io, step, 'SKIPPED', undefined);
      } else if (step.type !== 'PROVIDER') {
        io.request = await executionsStore.update(em, io.request.id, { status: 'IN_PROGRESS', currentStepKey: step.key });
        return { request: io.request, session };
      } else if (await this.runProviderStep(io, step)) {
        return { request: await this.fail(io, 'PROVIDER_FAILED', step.key), session };
      }
      const decided = rules.find((r) => r.kind === 'OUTCOME' && r.stepKey === step.key && evaluate(r.condition, session.data));
      if (decided) return { request: await this.complete(io, decided.outcome ?? io.version.defaultOutcome, decided.name), session };
    }
    const final = rules.find((r) => r.kind === 'OUTCOME' && r.stepKey === null && evaluate(r.condition, session.data));
    return { request: await this.complete(io, final?.outcome ?? io.version.defaultOutcome, final?.name ?? null), session };
  }

  /** The tenant's router configuration, read once per engine run. */
  private async configOf(input: EngineInput, capability: FlowStep['capability'] & string) {
    input.configs ??= await providersStore.configs(input.em);
    return input.configs.find((c) => c.capability === capability) ?? null;
  }

  /** Runs a PROVIDER step; true when it failed and the step's policy is FAIL. */
  private async runProviderStep(input: EngineInput, step: FlowStep): Promise<boolean> {
    const { em, request, session, meta } = input;
    const capability = step.capability!;
    const mapped: Record<string, unknown> = {};
    for (const [field, path] of Object.entries(step.inputMapping)) {
      const v = valueAt(session.data, path);
      if (v !== undefined) mapped[field] = v;
    }
    const config = await this.configOf(input, capability);
    const answer = await this.gateway.call(request.tenantId, capability, mapped, config?.providers ?? DEFAULT_CHOICES, step.timeoutMs);
    for (const call of answer.calls) {
      const id = crypto.randomUUID();
      await providersStore.insertCall(em, request.tenantId, { ...call, id, requestId: request.id, stepKey: step.key, createdAt: '' });
      await this.outbox.publish(em, 'flow.provider.called', {
        callId: id, requestId: request.id, stepKey: step.key, capability, provider: call.provider, outcome: call.outcome, attempts: call.attempts, latencyMs: call.latencyMs, costReference: call.costReference,
      }, { tenantId: request.tenantId, ...meta });
    }
    if (answer.ok) {
      await this.recordStep(input, step, 'COMPLETED', { ...answer.output, provider: answer.provider });
      return false;
    }
    // Never a full document number in logs: only its last four characters.
    this.log?.warn({ requestId: request.id, stepKey: step.key, capability, documentNumber: 'documentNumber' in mapped ? maskDocument(mapped.documentNumber) : undefined, calls: answer.calls }, 'every provider of the step failed');
    if (step.onError === 'CONTINUE') {
      await this.recordStep(input, step, 'FAILED', { error: 'PROVIDER_FAILED' });
      return false;
    }
    return true;
  }

  private summary(input: EngineInput, decidedBy: string | null): Record<string, unknown> {
    const steps: Record<string, unknown> = {};
    for (const step of input.steps) {
      if (!input.session.done.includes(step.key)) continue;
      const out = input.session.data.steps[step.key];
      // Provider verdicts only: what a person typed (names, document numbers) stays out of events.
      steps[step.key] = step.type === 'PROVIDER' && out !== undefined ? { type: step.type, output: out } : { type: step.type, status: out === undefined ? 'SKIPPED' : 'COMPLETED' };
    }
    return { decidedBy, steps };
  }

  async complete(input: EngineInput, outcome: Outcome, decidedBy: string | null): Promise<FlowRequest> {
    const { em, request, flow, meta } = input;
    const summary = this.summary(input, decidedBy);
    const done = await executionsStore.update(em, request.id, { status: 'COMPLETED', outcome, summary, currentStepKey: null });
    await this.outbox.publish(em, 'flow.execution.completed', { requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, subjectRef: request.subjectRef, outcome, summary }, { tenantId: request.tenantId, ...meta });
    return done;
  }

  async fail(input: Pick<EngineInput, 'em' | 'request' | 'flow' | 'meta'>, reason: 'PROVIDER_FAILED' | 'EXPIRED' | 'CANCELLED', stepKey: string | null): Promise<FlowRequest> {
    const { em, request, flow, meta } = input;
    const status = reason === 'EXPIRED' ? 'EXPIRED' : reason === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    const done = await executionsStore.update(em, request.id, { status, failureCode: reason, currentStepKey: null, summary: request.summary });
    await this.outbox.publish(em, 'flow.execution.failed', { requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, subjectRef: request.subjectRef, reason, stepKey }, { tenantId: request.tenantId, ...meta });
    return done;
  }
}
