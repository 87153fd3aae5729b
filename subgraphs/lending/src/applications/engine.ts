/**
 * The pipeline engine: moves one application through its pinned steps inside the caller's
 * transaction (a mutation, a consumer or the job), with the application's row lock held.
 *
 * `advance()` activates the first step that is not done: a step whose condition does not hold is
 * SKIPPED; automatic steps (landing, user registration, auto-approved review, disbursement) complete
 * at once; the others wait for the borrower (WAITING_INPUT), another subgraph (WAITING_EVENT: flow,
 * sign) or a reviewer (WAITING_REVIEW). Every change is written to PostgreSQL and announced through
 * the outbox in the same transaction, so a crash loses nothing and repeats nothing: whatever
 * committed is the state, and the job re-runs `advance()` for applications whose `next_run_at` is
 * due (a disbursement refused for a transient reason is retried that way).
 *
 * Approval: an application is APPROVED when its manual review passes (reviewers, auto-approval or
 * the review skipped by its condition), or, without a review step, right before disbursement.
 */
import crypto from 'node:crypto';
import type { Em } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { Rejected } from '@imagy/platform/graphql';
import { LoanMathError } from '../loan-math';
import { D } from '../common/money';
import type { CreditsService } from '../credits/credits.service';
import type { ProductsService } from '../products/products.service';
import type { PipelineService } from '../pipeline/pipeline.service';
import type { TenantDirectory } from '../tenants/tenants.service';
import { conditionHolds, type StepConfigs } from '../pipeline/steps';
import { renderContract } from './contract';
import * as store from './applications.store';
import { DONE_STEP_STATES, FINAL_STEP_STATES, OPEN_STATUSES, type Application, type AppStep, type StepState } from './applications.types';

export interface EngineMeta { tenantId: string; actor: EventActor; requestId: string | null }

/** Retries of an automatic step refused for a transient reason (e.g. the borrower not yet in lending's user directory). */
const MAX_ATTEMPTS = 10;
const retryDelayMs = (attempt: number) => Math.min(60_000, 500 * 2 ** attempt);

export const externalRefOf = (applicationId: string, stepKey: string) => `application:${applicationId}:${stepKey}`;
const REF = /^application:([0-9a-f-]{36}):([a-z][a-z0-9_]{0,39})$/;
export function parseExternalRef(ref: string | null | undefined): { applicationId: string; stepKey: string } | null {
  const m = typeof ref === 'string' ? REF.exec(ref) : null;
  return m ? { applicationId: m[1]!, stepKey: m[2]! } : null;
}

/** An application loaded under its row lock, with its steps and the changes made so far in this transaction. */
export class Run {
  readonly changes: { stepKey: string | null; stepState: StepState | null }[] = [];
  nextRunAt: string | null = null;
  constructor(readonly em: Em, public app: Application, readonly steps: AppStep[], readonly meta: EngineMeta) {}

  step(key: string): AppStep | undefined { return this.steps.find((s) => s.key === key); }
  get open(): boolean { return OPEN_STATUSES.includes(this.app.status); }
  /** The first step not COMPLETED or SKIPPED. */
  get current(): AppStep | undefined { return this.steps.find((s) => !DONE_STEP_STATES.includes(s.state)); }
}

export class PipelineEngine {
  constructor(
    private readonly outbox: Outbox,
    private readonly products: ProductsService,
    private readonly credits: CreditsService,
    private readonly pipeline: PipelineService,
    /** The tenant's business date (its time zone): the contract's date and the disbursement date. */
    private readonly directory: TenantDirectory,
    /** How long a step may wait on another subgraph (flow, sign) before it goes to the review queue. */
    private readonly eventTimeoutMs = 24 * 3_600_000,
  ) {}

  async load(em: Em, applicationId: string, meta: EngineMeta): Promise<Run | null> {
    const app = await store.applicationById(em, applicationId, true);
    if (!app) return null;
    return new Run(em, app, await store.stepsOf(em, [app.id]), meta);
  }

  /** The current step waited on flow or sign past the timeout: a person decides (review queue). */
  async timeOut(run: Run): Promise<void> {
    const step = run.current;
    if (step?.state === 'WAITING_EVENT') await this.setStep(run, step, 'WAITING_REVIEW', { output: { timedOut: true, timedOutAt: new Date().toISOString() } });
  }

  async announceCreated(em: Em, data: { applicationId: string; productId: string; versionId: string; borrowerId: string; amount: string; currency: string; term: number }, meta: EngineMeta): Promise<void> {
    await this.outbox.publish(em, 'lending.application.created', data, meta);
  }

  // ---- state changes (each written and announced) ----
  async setStep(run: Run, step: AppStep, state: StepState, patch: { input?: unknown; output?: Record<string, unknown> } = {}): Promise<void> {
    const now = new Date().toISOString();
    step.state = state;
    if (patch.input !== undefined) step.input = patch.input;
    if (patch.output) step.output = { ...step.output, ...patch.output };
    if (!step.startedAt && state !== 'PENDING') step.startedAt = now;
    if (FINAL_STEP_STATES.includes(state)) step.completedAt = now;
    // The job wakes the application when the answer is overdue (timeOut).
    if (state === 'WAITING_EVENT') run.nextRunAt = new Date(Date.now() + this.eventTimeoutMs).toISOString();
    await store.updateStep(run.em, step);
    run.changes.push({ stepKey: step.key, stepState: state });
    if (FINAL_STEP_STATES.includes(state)) {
      await this.outbox.publish(run.em, 'lending.pipeline.step_completed', {
        applicationId: run.app.id, borrowerId: run.app.borrowerId, stepKey: step.key, stepType: step.type, state: state as 'COMPLETED' | 'SKIPPED' | 'REJECTED' | 'FAILED',
      }, run.meta);
    }
  }

  private async decide(run: Run, decision: 'APPROVED' | 'REJECTED' | 'CANCELLED' | 'WITHDRAWN' | 'EXPIRED', reason: string | null, stepKey: string | null): Promise<void> {
    const now = new Date().toISOString();
    if (decision === 'APPROVED') {
      run.app.status = 'APPROVED';
      run.app.approvedAt = now;
    } else {
      run.app.status = decision;
      run.app.decidedAt = now;
      run.app.decisionReason = reason;
      run.nextRunAt = null;
    }
    run.changes.push({ stepKey: null, stepState: null });
    const contact = this.contact(run);
    await this.outbox.publish(run.em, 'lending.application.decided', {
      applicationId: run.app.id, borrowerId: run.app.borrowerId, decision, reason, stepKey, productCode: run.app.productCode, amount: run.app.amount, currency: run.app.currency, term: run.app.term,
      contactEmail: contact?.channel === 'EMAIL' ? contact.destination : null, contactPhone: contact && contact.channel !== 'EMAIL' ? contact.destination : null,
    }, run.meta);
  }

  async reject(run: Run, step: AppStep | null, reason: string, output: Record<string, unknown> = {}): Promise<void> {
    if (step) await this.setStep(run, step, 'REJECTED', { output });
    await this.decide(run, 'REJECTED', reason, step?.key ?? null);
  }

  async approve(run: Run, stepKey: string | null): Promise<void> {
    if (run.app.status === 'IN_PROGRESS') await this.decide(run, 'APPROVED', null, stepKey);
  }

  async end(run: Run, decision: 'CANCELLED' | 'WITHDRAWN' | 'EXPIRED', reason: string | null): Promise<void> {
    await this.decide(run, decision, reason, run.app.currentStep);
  }

  /**
   * Writes the application row and announces every change of this transaction
   * (lending.application.progressed, which feeds the applicationProgress subscription).
   */
  async save(run: Run): Promise<void> {
    const current = run.open ? run.current : undefined;
    if (run.open) run.app.currentStep = current?.key ?? null;
    await store.updateApplication(run.em, run.app.id, run.app, run.open ? run.nextRunAt : null);
    if (run.changes.length) {
      // One insert for all of this transaction's changes. The relay sends in (created_at, id) order and
      // rows of one insert may share a created_at: ascending ids keep them in the order they happened.
      const ids = run.changes.map(() => crypto.randomUUID()).sort();
      await this.outbox.publishMany(run.em, 'lending.application.progressed', run.changes.map((c, i) => ({ id: ids[i]!, data: {
        applicationId: run.app.id, borrowerId: run.app.borrowerId, status: run.app.status, currentStep: run.app.currentStep, stepKey: c.stepKey, stepState: c.stepState,
      } })), run.meta);
    }
    run.changes.length = 0;
  }

  /** Activates steps until one waits or the application ends, then saves. */
  async advance(run: Run): Promise<void> {
    for (let guard = 0; guard < 100 && run.open; guard++) {
      const step = run.current;
      if (!step) {
        await this.approve(run, null);
        break;
      }
      if (step.state !== 'PENDING') break;
      if (!conditionHolds(step.runWhen, run.app.amount)) {
        await this.setStep(run, step, 'SKIPPED', { output: { reason: 'CONDITION' } });
        if (step.type === 'MANUAL_REVIEW') await this.approve(run, step.key);
        continue;
      }
      if (!(await this.activate(run, step))) break;
    }
    await this.save(run);
  }

  /** Runs a PENDING step; true when it completed (the loop goes on), false when it waits. */
  private async activate(run: Run, step: AppStep): Promise<boolean> {
    const app = run.app;
    switch (step.type) {
      case 'LANDING':
        await this.setStep(run, step, 'COMPLETED', { output: { viewedAt: new Date().toISOString() } });
        return true;
      case 'USER_REGISTRATION':
        // The applicant is the signed-in user who started the application (README: user_registration).
        await this.setStep(run, step, 'COMPLETED', { output: { userId: app.borrowerId, mode: 'CALLER_ACCOUNT' } });
        return true;
      case 'LEGAL_CONSENT': {
        const codes = (step.config as StepConfigs['LEGAL_CONSENT']).documents;
        const docs = await this.pipeline.currentDocumentsIn(run.em, codes, app.locale);
        await this.setStep(run, step, 'WAITING_INPUT', { output: { documents: codes.map((c) => { const d = docs.get(c); return d ? { code: c, version: d.version, title: d.title, sha256: d.sha256, locale: d.locale } : { code: c, version: null }; }) } });
        return false;
      }
      case 'CONTACT_VERIFICATION':
        await this.setStep(run, step, 'WAITING_INPUT', { output: { channel: (step.config as StepConfigs['CONTACT_VERIFICATION']).channel } });
        return false;
      case 'FORM':
        await this.setStep(run, step, 'WAITING_INPUT');
        return false;
      case 'COMPLIANCE_CHECK':
      case 'IDENTITY_VALIDATION': {
        const flowCode = (step.config as StepConfigs['COMPLIANCE_CHECK']).flowCode;
        const externalRef = externalRefOf(app.id, step.key);
        await this.outbox.publish(run.em, 'lending.verification.requested', {
          applicationId: app.id, stepKey: step.key, flowCode, subjectRef: app.subjectRef, externalRef,
          context: { productId: app.productId, amount: app.amount, currency: app.currency, term: app.term, form: this.formValues(run), contact: this.contact(run) },
        }, run.meta);
        await this.setStep(run, step, 'WAITING_EVENT', { output: { flowCode, externalRef } });
        return false;
      }
      case 'MANUAL_REVIEW': {
        const c = step.config as StepConfigs['MANUAL_REVIEW'];
        const score = this.score(run);
        const byAmount = c.autoApproveMaxAmount !== null ? new D(app.amount).lte(c.autoApproveMaxAmount) : null;
        const byScore = c.autoApproveMinScore !== null ? score !== null && score >= c.autoApproveMinScore : null;
        const auto = (byAmount !== null || byScore !== null) && byAmount !== false && byScore !== false;
        if (auto) {
          await this.setStep(run, step, 'COMPLETED', { output: { decision: 'AUTO_APPROVED', score } });
          await this.approve(run, step.key);
          return true;
        }
        await this.setStep(run, step, 'WAITING_REVIEW', { output: { score, approvals: [] } });
        return false;
      }
      case 'DOCUMENT_SIGNATURE': {
        const config = step.config as StepConfigs['DOCUMENT_SIGNATURE'];
        const version = await this.products.versionIn(run.em, app.versionId);
        const product = await this.products.productIn(run.em, app.productId);
        if (!version || !product) throw new Error(`application ${app.id} pins a version that does not exist`);
        const form = this.formValues(run);
        const borrowerName = typeof form.fullName === 'string' ? form.fullName : app.borrowerId;
        const body = renderContract(config, { applicationId: app.id, productCode: product.code, productName: product.name, currency: app.currency, amount: app.amount, term: app.term, borrowerName, terms: version.terms }, await this.directory.todayIn(run.em, app.tenantId));
        const contact = this.contact(run);
        const externalRef = externalRefOf(app.id, step.key);
        await this.outbox.publish(run.em, 'lending.contract.issued', {
          applicationId: app.id, externalRef, title: config.title, locale: app.locale, body,
          signers: [{ name: borrowerName, email: contact?.channel === 'EMAIL' ? contact.destination : null, phone: contact && contact.channel !== 'EMAIL' ? contact.destination : null, userId: app.borrowerId }],
          signingOrder: config.signingOrder,
        }, run.meta);
        await this.setStep(run, step, 'WAITING_EVENT', { output: { externalRef, documentSha256: crypto.createHash('sha256').update(body, 'utf8').digest('hex') } });
        return false;
      }
      case 'DISBURSEMENT':
        return this.disburse(run, step);
    }
  }

  private async disburse(run: Run, step: AppStep): Promise<boolean> {
    await this.approve(run, null);
    const app = run.app;
    const channel = (step.config as StepConfigs['DISBURSEMENT']).channel;
    const contact = this.contact(run);
    try {
      const credit = await this.credits.disburse(run.em, {
        tenantId: app.tenantId, versionId: app.versionId, borrowerId: app.borrowerId, principal: app.amount, numberOfInstallments: app.term,
        disbursementDate: await this.directory.todayIn(run.em, app.tenantId), applicationId: app.id, externalReference: `${channel}:${app.id}`, source: 'PIPELINE', createdBy: null, actor: run.meta.actor, requestId: run.meta.requestId,
        contact: contact ? { email: contact.channel === 'EMAIL' ? contact.destination : null, phone: contact.channel === 'EMAIL' ? null : contact.destination } : null,
      });
      app.creditId = credit.id;
      app.attempts = 0;
      await this.setStep(run, step, 'COMPLETED', { output: { creditId: credit.id, channel, disbursedAt: credit.disbursedAt } });
      app.status = 'DISBURSED';
      app.currentStep = null;
      run.changes.push({ stepKey: null, stepState: null });
      return true;
    } catch (e) {
      if (!(e instanceof Rejected) && !(e instanceof LoanMathError)) throw e;
      const codes = e instanceof Rejected ? e.userErrors.map((u) => u.code) : [e.code];
      app.attempts += 1;
      if (app.attempts >= MAX_ATTEMPTS) {
        await this.setStep(run, step, 'FAILED', { output: { errors: codes, channel } });
        run.nextRunAt = null;
      } else {
        step.output = { ...step.output, lastErrors: codes };
        await store.updateStep(run.em, step);
        run.nextRunAt = new Date(Date.now() + retryDelayMs(app.attempts)).toISOString();
      }
      return false;
    }
  }

  // ---- what steps read from earlier steps ----
  formValues(run: Run): Record<string, unknown> {
    return Object.assign({}, ...run.steps.filter((s) => s.type === 'FORM' && s.state === 'COMPLETED').map((s) => (s.output.values as Record<string, unknown>) ?? {}));
  }
  contact(run: Run): { channel: string; destination: string } | null {
    const s = run.steps.find((x) => x.type === 'CONTACT_VERIFICATION' && x.state === 'COMPLETED');
    return s && typeof s.output.destination === 'string' ? { channel: String(s.output.channel), destination: s.output.destination } : null;
  }
  /** The score of the latest completed compliance check (flow's summary.score), if any. */
  score(run: Run): number | null {
    const s = [...run.steps].reverse().find((x) => x.type === 'COMPLIANCE_CHECK' && x.state === 'COMPLETED');
    const v = s?.output.score;
    return typeof v === 'number' && Number.isFinite(v) ? v : null;
  }
}
