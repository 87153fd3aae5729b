/**
 * The execution engine: given a locked request, its pinned version's steps and rules and the
 * session, it moves the execution as far as it can go without the public side or a provider:
 *
 *   for each step in order that is not done:
 *     a SKIP_STEP rule of the step holds        -> SKIPPED
 *     FORM / DOCUMENT step                      -> the execution waits for it (IN_PROGRESS)
 *     PROVIDER step                             -> a lease on the step is claimed and the run stops
 *                                                  with a PendingCall: the caller commits, calls the
 *                                                  provider gateway outside any transaction, and
 *                                                  hands the answer to `recordAnswer` in a new one
 *     after the step, an OUTCOME rule of the step holds -> COMPLETED with its outcome
 *   at the end: the first OUTCOME rule without a step that holds, else the version's default.
 *
 * `recordAnswer` stores every provider tried (provider_calls, flow.provider.called: they happened,
 * billing counts them even when the answer comes too late) and, only while the caller still holds
 * the step's lease and the step is not done, the step's result: output at steps.<key>; on failure
 * on_error FAIL ends the execution FAILED, CONTINUE records the step FAILED and goes on. A lease
 * lost to the resume sweep (the holder overran it) makes the late answer a no-op: the step is
 * recorded once, by whoever holds the lease.
 *
 * Everything it decides is written in the caller's transaction (step results, provider calls,
 * outbox events), so an execution's record and its events agree.
 */
import crypto from 'node:crypto';
import type { Em } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import type { FlowRule, FlowStep, FlowVersion, Flow, Outcome } from '../flows/flows.store';
import type { GatewayAnswer, ProviderGateway } from '../providers/gateway';
import { providersStore, type ProviderConfig, type SealedSecret } from '../providers/providers.store';
import type { ProviderSecret, SecretBox, SecretOf, UNREADABLE } from '../providers/secrets';
import { DEFAULT_CHOICES } from '../providers/providers.service';
import { maskDocument, type Capability, type ProviderChoice } from '../providers/types';
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
  /** Filled on first use: the tenant's sealed provider secrets. */
  secrets?: SealedSecret[];
}

/** A provider step whose lease the run claimed: what the caller calls outside the transaction. */
export interface PendingCall {
  tenantId: string;
  requestId: string;
  leaseId: string;
  stepKey: string;
  capability: Capability;
  input: Record<string, unknown>;
  choices: readonly ProviderChoice[];
  timeoutMs: number;
  /** The tenant's opened secrets of the chosen providers: in memory for this call only. */
  secrets: SecretOf;
}

export type EngineResult = { request: FlowRequest; session: Session; pending: PendingCall | null };

export class Engine {
  constructor(private readonly outbox: Outbox, private readonly gateway: ProviderGateway, private readonly box: SecretBox, private readonly log?: Logger) {}

  /** Records one step's end in the session, the results table and the outbox. */
  async recordStep(input: EngineInput, step: FlowStep, status: StepResultStatus, output: unknown, submission?: { key: string; hash: string }): Promise<void> {
    const { em, request, flow, session, meta } = input;
    await executionsStore.insertResult(em, request.tenantId, { requestId: request.id, stepKey: step.key, status, output, submissionKey: submission?.key, submissionHash: submission?.hash });
    session.done.push(step.key);
    if (output !== undefined) session.data.steps[step.key] = output;
    await this.outbox.publish(em, 'flow.step.completed', { requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, stepKey: step.key, status }, { tenantId: request.tenantId, ...meta });
  }

  /**
   * Walks on from the first step not done. `after` names a step that just ended in this
   * transaction (a submission or a provider answer): its OUTCOME rules are evaluated first.
   */
  async run(input: EngineInput, after: string | null = null): Promise<EngineResult> {
    // One working copy for the whole run: its request follows each change, its configs cache fills once.
    const io: EngineInput = { ...input };
    const { em, steps, session } = io;
    if (io.request.status === 'CREATED') io.request = await executionsStore.update(em, io.request.id, { status: 'IN_PROGRESS', currentStepKey: null });
    if (after) {
      const decided = this.outcomeAfter(io, after);
      if (decided) return { request: await this.complete(io, decided.outcome ?? io.version.defaultOutcome, decided.name), session, pending: null };
    }
    for (const step of steps) {
      if (session.done.includes(step.key)) continue;
      const skip = io.rules.some((r) => r.kind === 'SKIP_STEP' && r.stepKey === step.key && evaluate(r.condition, session.data));
      if (skip) {
        await this.recordStep(io, step, 'SKIPPED', undefined);
      } else if (step.type !== 'PROVIDER') {
        io.request = await executionsStore.update(em, io.request.id, { status: 'IN_PROGRESS', currentStepKey: step.key });
        return { request: io.request, session, pending: null };
      } else {
        return this.claim(io, step);
      }
      const decided = this.outcomeAfter(io, step.key);
      if (decided) return { request: await this.complete(io, decided.outcome ?? io.version.defaultOutcome, decided.name), session, pending: null };
    }
    const final = io.rules.find((r) => r.kind === 'OUTCOME' && r.stepKey === null && evaluate(r.condition, session.data));
    return { request: await this.complete(io, final?.outcome ?? io.version.defaultOutcome, final?.name ?? null), session, pending: null };
  }

  private outcomeAfter(io: EngineInput, stepKey: string): FlowRule | undefined {
    return io.rules.find((r) => r.kind === 'OUTCOME' && r.stepKey === stepKey && evaluate(r.condition, io.session.data));
  }

  /** The tenant's router configuration, read once per engine run. */
  private async configOf(input: EngineInput, capability: Capability) {
    input.configs ??= await providersStore.configs(input.em);
    return input.configs.find((c) => c.capability === capability) ?? null;
  }

  /** Claims the lease of a PROVIDER step: long enough for every provider's attempts, then the sweep may take it over. */
  private async claim(io: EngineInput, step: FlowStep): Promise<EngineResult> {
    const capability = step.capability!;
    const mapped: Record<string, unknown> = {};
    for (const [field, path] of Object.entries(step.inputMapping)) {
      const v = valueAt(io.session.data, path);
      if (v !== undefined) mapped[field] = v;
    }
    const choices = (await this.configOf(io, capability))?.providers ?? DEFAULT_CHOICES;
    io.secrets ??= await providersStore.secrets(io.em);
    const secrets = new Map<string, ProviderSecret | typeof UNREADABLE>();
    for (const s of io.secrets) if (choices.some((c) => c.provider === s.provider)) secrets.set(s.provider, this.box.open(io.request.tenantId, s.provider, s.sealed));
    const leaseId = crypto.randomUUID();
    io.request = await executionsStore.claim(io.em, io.request.id, leaseId, step.key, this.gateway.budgetMs(choices.length, step.timeoutMs));
    return {
      request: io.request, session: io.session,
      pending: { tenantId: io.request.tenantId, requestId: io.request.id, leaseId, stepKey: step.key, capability, input: mapped, choices, timeoutMs: step.timeoutMs, secrets },
    };
  }

  /** Calls the providers of a pending step (no transaction may be open around this). */
  call(pending: PendingCall): Promise<GatewayAnswer> {
    return this.gateway.call(pending.tenantId, pending.capability, pending.input, pending.choices, pending.timeoutMs, pending.secrets);
  }

  /**
   * Records a provider answer in the locked request's transaction, then walks on. Without the
   * lease (lost to the sweep) or with the step already done, only the calls are recorded.
   */
  async recordAnswer(input: EngineInput, pending: PendingCall, answer: GatewayAnswer): Promise<EngineResult> {
    const { request } = input;
    await this.recordCalls(input, pending, answer);
    const step = input.steps.find((s) => s.key === pending.stepKey);
    if (request.leaseId !== pending.leaseId || !step || input.session.done.includes(step.key)) return { request, session: input.session, pending: null };
    return this.recordStepAnswer(input, step, pending, answer);
  }

  /** Every provider a call tried: a provider_calls row and a flow.provider.called event each (they happened, whatever becomes of the answer). */
  async recordCalls(input: Pick<EngineInput, 'em' | 'request' | 'meta'>, pending: PendingCall, answer: GatewayAnswer): Promise<void> {
    const { em, request, meta } = input;
    for (const call of answer.calls) {
      const id = crypto.randomUUID();
      await providersStore.insertCall(em, request.tenantId, { ...call, id, requestId: request.id, stepKey: pending.stepKey, createdAt: '' });
      await this.outbox.publish(em, 'flow.provider.called', {
        callId: id, requestId: request.id, stepKey: pending.stepKey, capability: pending.capability, provider: call.provider, outcome: call.outcome, attempts: call.attempts, latencyMs: call.latencyMs, costReference: call.costReference,
      }, { tenantId: request.tenantId, ...meta });
    }
  }

  private async recordStepAnswer(input: EngineInput, step: FlowStep, pending: PendingCall, answer: GatewayAnswer): Promise<EngineResult> {
    const { em, request } = input;
    await executionsStore.releaseLease(em, request.id);
    const io: EngineInput = { ...input, request: { ...request, leaseId: null, leaseStepKey: null, leaseExpired: false } };
    if (answer.ok) {
      await this.recordStep(io, step, 'COMPLETED', { ...answer.output, provider: answer.provider });
      return this.run(io, step.key);
    }
    // Never a full document number in logs: only its last four characters.
    this.log?.warn({ requestId: request.id, stepKey: step.key, capability: pending.capability, documentNumber: 'documentNumber' in pending.input ? maskDocument(pending.input.documentNumber) : undefined, calls: answer.calls }, 'every provider of the step failed');
    if (step.onError === 'CONTINUE') {
      await this.recordStep(io, step, 'FAILED', { error: 'PROVIDER_FAILED' });
      return this.run(io, step.key);
    }
    return { request: await this.fail(io, 'PROVIDER_FAILED', step.key), session: io.session, pending: null };
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
    await this.outbox.publish(em, 'flow.execution.completed', {
      requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, subjectRef: request.subjectRef, outcome, summary, externalRef: request.externalRef,
    }, { tenantId: request.tenantId, ...meta });
    return done;
  }

  async fail(input: Pick<EngineInput, 'em' | 'request' | 'flow' | 'meta'>, reason: 'PROVIDER_FAILED' | 'EXPIRED' | 'CANCELLED', stepKey: string | null): Promise<FlowRequest> {
    const { em, request, flow, meta } = input;
    const status = reason === 'EXPIRED' ? 'EXPIRED' : reason === 'CANCELLED' ? 'CANCELLED' : 'FAILED';
    const done = await executionsStore.update(em, request.id, { status, failureCode: reason, currentStepKey: null, summary: request.summary });
    await this.outbox.publish(em, 'flow.execution.failed', {
      requestId: request.id, flowId: flow.id, flowCode: flow.code, versionId: request.versionId, subjectRef: request.subjectRef, reason, stepKey, externalRef: request.externalRef,
    }, { tenantId: request.tenantId, ...meta });
    return done;
  }
}
