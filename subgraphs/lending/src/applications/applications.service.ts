/**
 * Credit applications: the borrower starts one for a product's published version and submits the
 * input of each step; reviewers decide the ones in the review queue; flow, sign and subject answer
 * through events (consumers in src/events/); the job retries and expires. The engine (engine.ts)
 * does the state changes; this service checks who may do what, validates input, keeps submissions
 * idempotent and calls notifications for OTP (platform's signed internal call).
 *
 * Access: an application is visible to its borrower and to staff of its tenant (APPLICATION_READERS);
 * to anyone else it does not exist (NOT_FOUND, null). Another tenant's rows are hidden by RLS.
 */
import crypto from 'node:crypto';
import { hasRole, ROLES, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import { RpcUnavailableError, type EventEnvelope, type RpcClient } from '@imagy/platform/events';
import { payload } from '@imagy/platform/graphql';
import { actorOf, BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, requireUser, SYSTEM_ACTOR, toConnection, type Caller } from '@imagy/platform/server';
import type { Logger } from '@imagy/platform/logger';
import type { CancelApplicationInput, OpenApplicationFlowInput, RegisterApplicantInput, ResolversParentTypes, ReviewApplicationInput, StartApplicationInput, SubmitApplicationStepInput, WithdrawApplicationInput } from '../__generated__/graphql';
import type { TenantDirectory } from '../tenants/tenants.service';
import { isEmail, isPhone, normaliseContact } from '../common/contact';
import { unsafeMultilineText } from '../common/json';
import { D, fmt } from '../common/money';
import { LENDING_ROLES, PORTFOLIO_READERS } from '../common/roles';
import { reject, Rejected, unsafeTextError, userError, type UserError } from '../common/user-errors';
import { minorUnits } from '../loan-math';
import { validateForm } from '../pipeline/form';
import type { PipelineService } from '../pipeline/pipeline.service';
import type { StepConfigs } from '../pipeline/steps';
import type { ProductsService } from '../products/products.service';
import { checkLoanRequest } from '../products/terms';
import type { UserDirectory } from '../users/users.service';
import * as store from './applications.store';
import { OPEN_STATUSES, type Application, type ApplicationConnection, type ApplicationFilter, type AppStep, type Consent } from './applications.types';
import { externalRefOf, parseExternalRef, type EngineMeta, type PipelineEngine, type Run } from './engine';

export const APPLICATION_REVIEWERS: readonly string[] = [ROLES.tenantAdmin, ROLES.staff, LENDING_ROLES.creditAnalyst];
export const APPLICATION_READERS: readonly string[] = [...PORTFOLIO_READERS, LENDING_ROLES.creditAnalyst];
export const OTP_PURPOSE = 'lending.contact';

type AppPayload = ResolversParentTypes['ApplicationPayload'];
const EMPTY = { application: null, replayed: false };
const hash = (v: unknown) => crypto.createHash('sha256').update(JSON.stringify(v)).digest('hex');

function checkKey(key: string | null | undefined): string {
  const k = (key ?? '').trim();
  if (k.length < 1 || k.length > 200) reject('INVALID_IDEMPOTENCY_KEY', { field: 'idempotencyKey' });
  const unsafe = unsafeTextError(k, 'idempotencyKey');
  if (unsafe) throw new Rejected([unsafe]);
  return k;
}

function checkReason(reason: string | null | undefined, required: boolean): string | null {
  const r = (reason ?? '').trim();
  if (!r && !required) return null;
  if (r.length < 1 || r.length > 1000) reject('INVALID_REASON', { field: 'reason' });
  const unsafe = unsafeTextError(r, 'reason');
  if (unsafe) throw new Rejected([unsafe]);
  return r;
}

export interface ApplicationSettings {
  /** How long an application may stay open before it expires (default 30 days). */
  ttlMs: number;
}

/** The score in flow's summary: `summary.score`, else the step's configured `scorePath` (e.g. `steps.bureau.output.score`); a finite number or null. */
function scoreOf(summary: Record<string, unknown> | null | undefined, path: string | undefined): number | null {
  if (typeof summary?.score === 'number' && Number.isFinite(summary.score)) return summary.score;
  if (!path || !summary) return null;
  let v: unknown = summary;
  for (const key of path.split('.')) v = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, key) ? (v as Record<string, unknown>)[key] : undefined;
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

export class ApplicationsService {
  constructor(
    private readonly orm: Orm,
    private readonly engine: PipelineEngine,
    private readonly products: ProductsService,
    private readonly pipeline: PipelineService,
    private readonly users: UserDirectory,
    private readonly rpc: RpcClient,
    private readonly settings: ApplicationSettings,
    private readonly directory: TenantDirectory,
  ) {}

  private meta(caller: Caller, tenantId: string): EngineMeta {
    return { tenantId, actor: actorOf(caller), requestId: caller.requestId };
  }

  // ---- reads ----
  canRead(auth: AuthContext, app: Application): boolean {
    return hasRole(auth, ...APPLICATION_READERS) || (auth.userId !== null && auth.userId === app.borrowerId);
  }
  canReadBorrower(auth: AuthContext, borrowerId: string): boolean {
    if (auth.kind === 'anonymous' || !auth.tenantId) return false;
    return auth.userId === borrowerId || hasRole(auth, ...APPLICATION_READERS);
  }
  readable(auth: AuthContext, app: Application | null): Application | null {
    return app && this.canRead(auth, app) ? app : null;
  }

  async byIds(tenantId: string | null, ids: readonly string[]): Promise<(Application | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length || !tenantId) return ids.map(() => null);
    const m = new Map((await inTenantTx(this.orm, { tenantId }, (em) => store.applicationsByIds(em, valid))).map((a) => [a.id, a]));
    return ids.map((id) => m.get(id) ?? null);
  }
  async stepsByIds(tenantId: string | null, ids: readonly string[]): Promise<AppStep[][]> {
    return this.grouped(tenantId, ids, (em, v) => store.stepsOf(em, v), (s) => s.applicationId);
  }
  async consentsByIds(tenantId: string | null, ids: readonly string[]): Promise<Consent[][]> {
    return this.grouped(tenantId, ids, (em, v) => store.consentsOf(em, v), (c) => c.applicationId);
  }
  async byBorrowerIds(tenantId: string | null, ids: readonly string[]): Promise<Application[][]> {
    return this.grouped(tenantId, ids, (em, v) => store.applicationsOfBorrowers(em, v), (a) => a.borrowerId);
  }
  private async grouped<T>(tenantId: string | null, ids: readonly string[], load: (em: Em, ids: string[]) => Promise<T[]>, keyOf: (t: T) => string): Promise<T[][]> {
    const valid = ids.filter(isUuid);
    if (!valid.length || !tenantId) return ids.map(() => []);
    const m = new Map<string, T[]>();
    for (const r of await inTenantTx(this.orm, { tenantId }, (em) => load(em, valid))) { const k = keyOf(r); const l = m.get(k); if (l) l.push(r); else m.set(k, [r]); }
    return ids.map((id) => m.get(id) ?? []);
  }

  async list(auth: AuthContext, args: { filter?: ApplicationFilter | null; first?: number | null; after?: string | null }): Promise<ApplicationConnection> {
    const user = requireRole(auth, ...APPLICATION_READERS);
    const limit = pageSize(args.first);
    const cursor = decodeCursor<[string, string]>(args.after);
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const f = args.filter ?? {};
    if (f.productId && !isUuid(f.productId)) throw new BadInputError('productId must be an id', 'filter.productId');
    if (f.borrowerId && !isUuid(f.borrowerId)) throw new BadInputError('borrowerId must be an id', 'filter.borrowerId');
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => store.listApplications(em, f, cursor ? { createdAt: cursor[0], id: cursor[1] } : null, limit + 1));
    return toConnection(rows, limit, (a) => [a.createdAt, a.id]);
  }

  /** For the subscription: the application if the caller may follow it (NOT_FOUND otherwise, whoever else asks). */
  async followable(auth: AuthContext, id: string): Promise<Application> {
    const user = requireUser(auth);
    const app = isUuid(id) ? (await this.byIds(user.tenantId, [id]))[0] ?? null : null;
    if (!app || !this.canRead(auth, app)) throw new NotFoundError('Application not found');
    return app;
  }

  // ---- applicant (public) ----
  /**
   * USER_REGISTRATION: the applicant's borrower account is created by identity over the signed
   * internal call `identity.borrower.register` (lending never writes identity's tables, and never
   * stores or logs the password). The applicant then signs in with identity's `login`.
   */
  async registerApplicant(caller: Caller, input: RegisterApplicantInput): Promise<ResolversParentTypes['RegisterApplicantPayload']> {
    const empty = { userId: null, email: null };
    if (!input.tenantSlug && !input.host) return { ...empty, userErrors: [userError('TENANT_REQUIRED', { field: 'tenantSlug' })] };
    const tenant = await this.directory.resolve(input);
    if (!tenant || tenant.status !== 'ACTIVE') return { ...empty, userErrors: [userError('INVALID_TENANT', { field: input.tenantSlug ? 'tenantSlug' : 'host' })] };
    const field = (f: string | null) => (f === 'email' || f === 'phone' || f === 'displayName' || f === 'password' ? f : 'email');
    try {
      const r = await this.rpc.call('identity.borrower.register', { email: input.email, displayName: input.displayName, password: input.password, phone: input.phone ?? null },
        { tenantId: tenant.id, actor: actorOf(caller), requestId: caller.requestId });
      if (r.ok) return { userId: r.data.userId, email: r.data.email, userErrors: [] };
      if (r.code === 'EMAIL_TAKEN') return { ...empty, userErrors: [userError('APPLICANT_EMAIL_TAKEN', { field: 'email' })] };
      if (r.code === 'TENANT_INACTIVE') return { ...empty, userErrors: [userError('INVALID_TENANT', { field: 'tenantSlug' })] };
      if (r.code === 'INTERNAL') return { ...empty, userErrors: [userError('REGISTRATION_UNAVAILABLE', {})] };
      return { ...empty, userErrors: [userError('APPLICANT_INVALID', { field: field(r.field) })] };
    } catch (e) {
      if (e instanceof RpcUnavailableError) return { ...empty, userErrors: [userError('REGISTRATION_UNAVAILABLE', {})] };
      throw e;
    }
  }

  // ---- borrower ----
  async start(caller: Caller, input: StartApplicationInput): Promise<AppPayload> {
    const user = requireUser(caller.auth);
    return payload(async () => {
      const key = checkKey(input.idempotencyKey);
      const locale = input.locale ?? 'es';
      if (locale !== 'es' && locale !== 'en') reject('INVALID_STEP_INPUT', { field: 'locale' });
      if (!isUuid(input.productId)) reject('PRODUCT_NOT_FOUND', { field: 'productId' });
      let amountKey = String(input.amount ?? '').trim();
      try { amountKey = new D(amountKey).toString(); } catch { /* compared as written; checkLoanRequest refuses it */ }
      const requestHash = hash([input.productId, amountKey, input.term, locale]);
      return inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const before = await store.applicationByKey(em, user.userId, key);
        if (before) {
          if (before.requestHash !== requestHash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
          return { application: before, replayed: true };
        }
        const product = await this.products.productIn(em, input.productId);
        const version = product && product.status === 'ACTIVE' ? await this.products.publishedVersionOf(em, product.id) : null;
        if (!product || !version) return reject('PRODUCT_NOT_FOUND', { field: 'productId' });
        const errors = checkLoanRequest(version.terms, product.currency, input.amount, input.term);
        if (errors.length) throw new Rejected(errors);
        if (!(await this.users.known(em, user.userId))) reject('BORROWER_NOT_FOUND', { field: 'borrowerId' });
        const steps = (await this.pipeline.pipelineIn(em, version.id)).filter((s) => s.enabled);
        const id = crypto.randomUUID();
        const units = minorUnits(product.currency);
        const amount = fmt(input.amount.trim(), units);
        const inserted = await store.insertApplication(em, {
          id, tenantId: user.tenantId, productId: product.id, versionId: version.id, borrowerId: user.userId, subjectRef: `user:${user.userId}`,
          amount, currency: product.currency, minorUnits: units, term: input.term, locale, idempotencyKey: key, requestHash,
          expiresAt: new Date(Date.now() + this.settings.ttlMs).toISOString(),
        });
        if (!inserted) {
          // A concurrent first request with this key committed meanwhile: this one is its replay.
          const first = (await store.applicationByKey(em, user.userId, key))!;
          if (first.requestHash !== requestHash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
          return { application: first, replayed: true };
        }
        await store.insertSteps(em, user.tenantId, id, steps.map((s, i) => ({ key: s.key, position: i + 1, type: s.type, config: s.config, runWhen: s.runWhen })));
        const meta = this.meta(caller, user.tenantId);
        await this.engine.announceCreated(em, { applicationId: id, productId: product.id, versionId: version.id, borrowerId: user.userId, amount, currency: product.currency, term: input.term }, meta);
        const run = await this.engine.load(em, id, meta);
        run!.changes.push({ stepKey: null, stepState: null });
        await this.engine.advance(run!);
        return { application: (await store.applicationById(em, id))!, replayed: false };
      });
    }, EMPTY, { onUniqueViolation: 'retry' });
  }

  async submit(caller: Caller, input: SubmitApplicationStepInput): Promise<AppPayload> {
    const user = requireUser(caller.auth);
    if (!isUuid(input.applicationId)) throw new NotFoundError('Application not found');
    return payload(async () => {
      const key = checkKey(input.idempotencyKey);
      const data = input.data;
      if (!data || typeof data !== 'object' || Array.isArray(data)) reject('INVALID_STEP_INPUT', { field: 'data' });
      const fingerprint = input.deviceFingerprint ?? null;
      if (fingerprint !== null && (fingerprint.length > 500 || unsafeTextError(fingerprint, 'deviceFingerprint'))) reject('INVALID_TEXT', { field: 'deviceFingerprint' });
      const requestHash = hash([input.stepKey, data, fingerprint]);
      const d = data as Record<string, unknown>;

      // 1. Read: replay, ownership and whether the step waits for input.
      const pre = await inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const app = await store.applicationById(em, input.applicationId);
        if (!app || app.borrowerId !== user.userId) throw new NotFoundError('Application not found');
        const prior = await store.submissionHash(em, app.id, key);
        return { app, prior, steps: await store.stepsOf(em, [app.id]) };
      });
      if (pre.prior !== null) {
        if (pre.prior !== requestHash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
        return { application: pre.app, replayed: true };
      }
      const step = this.waitingStep(pre.app, pre.steps, input.stepKey);

      // 2. OTP through notifications (outside the transaction: a call may take a while).
      let otp: { kind: 'sent'; challengeId: string; destinationMasked: string; expiresAt: string; destination: string } | { kind: 'verified' } | null = null;
      if (step.type === 'CONTACT_VERIFICATION') otp = await this.contactCall(caller, user.tenantId, pre.app, step, d);

      // 3. Apply under the application's lock.
      return inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const run = await this.engine.load(em, pre.app.id, this.meta(caller, user.tenantId));
        if (!run) throw new NotFoundError('Application not found');
        // Under the application's lock: a concurrent submission with this key committed first -> replay.
        const raced = await store.submissionHash(em, run.app.id, key);
        if (raced !== null) {
          if (raced !== requestHash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
          return { application: run.app, replayed: true };
        }
        const current = this.waitingStep(run.app, run.steps, input.stepKey);
        await store.insertSubmission(em, { applicationId: run.app.id, tenantId: user.tenantId, key, stepKey: current.key, requestHash });
        await this.apply(run, current, d, otp, caller, fingerprint);
        await this.engine.advance(run);
        return { application: run.app, replayed: false };
      });
    }, EMPTY);
  }

  /** The step `key` if it is the application's current step and waits for the borrower. */
  private waitingStep(app: Application, steps: AppStep[], key: string): AppStep {
    if (!OPEN_STATUSES.includes(app.status)) reject('APPLICATION_NOT_ACTIVE', { field: 'applicationId', params: { status: app.status } });
    const current = steps.find((s) => s.state !== 'COMPLETED' && s.state !== 'SKIPPED');
    // The key is echoed in the message only when it is a well-formed step key (never arbitrary caller text).
    if (!current || current.key !== key || current.state !== 'WAITING_INPUT') reject('STEP_NOT_WAITING', { field: 'stepKey', params: { step: /^[a-z][a-z0-9_]{0,39}$/.test(key) ? key : '?', current: current?.key ?? '-' } });
    return current!;
  }

  private async contactCall(caller: Caller, tenantId: string, app: Application, step: AppStep, d: Record<string, unknown>) {
    const config = step.config as StepConfigs['CONTACT_VERIFICATION'];
    const actor = actorOf(caller);
    try {
      if (d.destination !== undefined) {
        if (typeof d.destination !== 'string' || Object.keys(d).length !== 1) reject('INVALID_STEP_INPUT', { field: 'data' });
        const destination = normaliseContact(config.channel, d.destination as string);
        if (config.channel === 'EMAIL' ? !isEmail(destination) : !isPhone(destination)) reject('INVALID_DESTINATION', { field: 'data.destination' });
        if (config.requireUnique) {
          const taken = await inTenantTx(this.orm, { tenantId }, (em) => store.contactTakenByOther(em, destination, app.borrowerId));
          if (taken) reject('CONTACT_TAKEN', { field: 'data.destination' });
        }
        const r = await this.rpc.call('notifications.otp.request', { purpose: OTP_PURPOSE, channel: config.channel, destination, locale: app.locale, recipientUserId: app.borrowerId, ip: caller.ip }, { tenantId, actor, requestId: caller.requestId });
        if (!r.ok) return reject(r.field === 'destination' ? 'INVALID_DESTINATION' : 'OTP_NOT_SENT', { field: 'data.destination' });
        return { kind: 'sent' as const, challengeId: r.data.challengeId, destinationMasked: r.data.destinationMasked, expiresAt: r.data.expiresAt, destination };
      }
      if (typeof d.code !== 'string' || Object.keys(d).length !== 1 || !/^\d{4,10}$/.test(d.code)) return reject('INVALID_STEP_INPUT', { field: 'data.code' });
      const challengeId = step.output.challengeId;
      if (typeof challengeId !== 'string') return reject('OTP_NOT_REQUESTED', { field: 'data.code' });
      const r = await this.rpc.call('notifications.otp.verify', { challengeId, code: d.code, purpose: OTP_PURPOSE, ip: caller.ip }, { tenantId, actor, requestId: caller.requestId });
      if (!r.ok || !r.data.verified) return reject('OTP_INVALID', { field: 'data.code' });
      return { kind: 'verified' as const };
    } catch (e) {
      if (e instanceof RpcUnavailableError) return reject('OTP_NOT_SENT', { field: d.destination !== undefined ? 'data.destination' : 'data.code' });
      throw e;
    }
  }

  private async apply(run: Run, step: AppStep, d: Record<string, unknown>, otp: Awaited<ReturnType<ApplicationsService['contactCall']>> | null, caller: Caller, fingerprint: string | null): Promise<void> {
    switch (step.type) {
      case 'LEGAL_CONSENT': {
        const codes = (step.config as StepConfigs['LEGAL_CONSENT']).documents;
        const accepted = d.accepted;
        if (!Array.isArray(accepted) || Object.keys(d).length !== 1) return reject('INVALID_STEP_INPUT', { field: 'data.accepted' });
        const current = await this.pipeline.currentDocumentsIn(run.em, codes, run.app.locale);
        const errors: UserError[] = [];
        for (const code of codes) {
          const doc = current.get(code);
          if (!doc) { errors.push(userError('LEGAL_DOCUMENT_MISSING', { field: 'data.accepted', params: { code } })); continue; }
          const given = accepted.find((a) => a && typeof a === 'object' && (a as Record<string, unknown>).code === code) as Record<string, unknown> | undefined;
          if (!given || given.version !== doc.version) errors.push(userError('CONSENT_MISMATCH', { field: 'data.accepted', params: { code, version: doc.version } }));
        }
        if (accepted.length !== codes.length && !errors.length) errors.push(userError('INVALID_STEP_INPUT', { field: 'data.accepted' }));
        if (errors.length) throw new Rejected(errors);
        const at = new Date().toISOString();
        const rows = codes.map((code) => {
          const doc = current.get(code)!;
          return { id: crypto.randomUUID(), tenantId: run.app.tenantId, applicationId: run.app.id, documentId: doc.id, stepKey: step.key, documentCode: code, documentVersion: doc.version, sha256: doc.sha256, ip: caller.ip, userAgent: caller.userAgent, deviceFingerprint: fingerprint, acceptedAt: at };
        });
        await store.insertConsents(run.em, rows);
        await this.engine.setStep(run, step, 'COMPLETED', { input: { accepted }, output: { accepted: rows.map((r) => ({ code: r.documentCode, version: r.documentVersion, sha256: r.sha256 })), acceptedAt: at } });
        return;
      }
      case 'CONTACT_VERIFICATION':
        if (otp?.kind === 'sent') {
          await this.engine.setStep(run, step, 'WAITING_INPUT', { input: { destination: otp.destinationMasked }, output: { challengeId: otp.challengeId, destinationMasked: otp.destinationMasked, codeExpiresAt: otp.expiresAt, pendingDestination: otp.destination } });
        } else if (otp?.kind === 'verified') {
          await this.engine.setStep(run, step, 'COMPLETED', { output: { destination: step.output.pendingDestination, verifiedAt: new Date().toISOString() } });
        }
        return;
      case 'FORM': {
        if (Object.keys(d).some((k) => k !== 'values')) return reject('INVALID_STEP_INPUT', { field: 'data' });
        const checked = validateForm((step.config as StepConfigs['FORM']).fields, d.values);
        if (!checked.values) throw new Rejected(checked.userErrors);
        await this.engine.setStep(run, step, 'COMPLETED', { input: { values: checked.values }, output: { values: checked.values } });
        return;
      }
      case 'MANUAL_REVIEW': {
        const info = d.info;
        if (typeof info !== 'string' || info.trim().length < 1 || info.length > 2000 || Object.keys(d).length !== 1) return reject('INVALID_STEP_INPUT', { field: 'data.info' });
        if (unsafeMultilineText(info)) return reject('INVALID_TEXT', { field: 'data.info' });
        await this.engine.setStep(run, step, 'WAITING_REVIEW', { input: { info }, output: { info } });
        return;
      }
      default:
        reject('STEP_NOT_WAITING', { field: 'stepKey', params: { step: step.key, current: step.key } });
    }
  }

  /**
   * openApplicationFlow: the borrower of the application (others: NOT_FOUND) gets a fresh access token
   * of the flow a COMPLIANCE_CHECK / IDENTITY_VALIDATION step waits on (WAITING_EVENT), asked of flow
   * over the signed internal call with the step's externalRef. Writes nothing in lending.
   */
  async openFlow(caller: Caller, input: OpenApplicationFlowInput) {
    const user = requireUser(caller.auth);
    if (!isUuid(input.applicationId)) throw new NotFoundError('Application not found');
    return payload(async () => {
      const { app, steps } = await inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const found = await store.applicationById(em, input.applicationId);
        if (!found || found.borrowerId !== user.userId) throw new NotFoundError('Application not found');
        return { app: found, steps: await store.stepsOf(em, [found.id]) };
      });
      if (!OPEN_STATUSES.includes(app.status)) reject('APPLICATION_NOT_ACTIVE', { field: 'applicationId', params: { status: app.status } });
      const step = steps.find((s) => s.key === input.stepKey);
      if (!step || step.state !== 'WAITING_EVENT' || (step.type !== 'COMPLIANCE_CHECK' && step.type !== 'IDENTITY_VALIDATION')) {
        const current = steps.find((s) => s.state !== 'COMPLETED' && s.state !== 'SKIPPED');
        reject('STEP_NOT_WAITING', { field: 'stepKey', params: { step: /^[a-z][a-z0-9_]{0,39}$/.test(input.stepKey) ? input.stepKey : '?', current: current?.key ?? '-' } });
      }
      let r;
      try {
        r = await this.rpc.call('flow.access_token.issue', { externalRef: externalRefOf(app.id, step!.key) }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      } catch (e) {
        if (e instanceof RpcUnavailableError) return reject('FLOW_UNAVAILABLE', { field: null });
        throw e;
      }
      if (!r.ok) return r.code === 'REQUEST_NOT_FOUND' ? reject('FLOW_NOT_STARTED', { field: 'stepKey' }) : reject('STEP_NOT_WAITING', { field: 'stepKey', params: { step: step!.key, current: step!.key } });
      return { access: { accessToken: r.data.accessToken, flowRequestId: r.data.requestId, currentStepKey: r.data.currentStepKey, expiresAt: r.data.expiresAt } };
    }, { access: null });
  }

  async withdraw(caller: Caller, input: WithdrawApplicationInput): Promise<AppPayload> {
    const user = requireUser(caller.auth);
    return this.decision(caller, user.tenantId, input.applicationId, (app) => app.borrowerId === user.userId, async (run) => {
      const reason = checkReason(input.reason, false);
      await this.engine.end(run, 'WITHDRAWN', reason);
    });
  }

  async cancel(caller: Caller, input: CancelApplicationInput): Promise<AppPayload> {
    const user = requireRole(caller.auth, ...APPLICATION_REVIEWERS);
    return this.decision(caller, user.tenantId, input.applicationId, () => true, async (run) => {
      await this.engine.end(run, 'CANCELLED', checkReason(input.reason, true));
    });
  }

  async review(caller: Caller, input: ReviewApplicationInput): Promise<AppPayload> {
    const user = requireRole(caller.auth, ...APPLICATION_REVIEWERS);
    return this.decision(caller, user.tenantId, input.applicationId, () => true, async (run) => {
      const reason = checkReason(input.reason, true)!;
      const step = run.current;
      if (!step || step.state !== 'WAITING_REVIEW') return reject('NOT_IN_REVIEW', { field: 'applicationId' });
      const approvals = Array.isArray(step.output.approvals) ? (step.output.approvals as { reviewerId: string; reason: string; at: string }[]) : [];
      const at = new Date().toISOString();
      if (input.decision === 'REJECT') {
        await this.engine.reject(run, step, reason, { decision: 'REJECTED', reviewerId: user.userId, reason, decidedAt: at });
        return;
      }
      if (input.decision === 'REQUEST_INFO') {
        if (step.type !== 'MANUAL_REVIEW') return reject('INVALID_DECISION', { field: 'decision' });
        await this.engine.setStep(run, step, 'WAITING_INPUT', { output: { infoRequested: reason, infoRequestedBy: user.userId, infoRequestedAt: at } });
        return;
      }
      // APPROVE: above the maker-checker limit, a second reviewer (not the first) completes it.
      const limit = step.type === 'MANUAL_REVIEW' ? (step.config as StepConfigs['MANUAL_REVIEW']).makerCheckerAboveAmount : null;
      const next = [...approvals, { reviewerId: user.userId, reason, at }];
      if (limit !== null && new D(run.app.amount).gt(limit)) {
        if (approvals.some((a) => a.reviewerId === user.userId)) return reject('SECOND_REVIEWER_REQUIRED', { field: 'applicationId', params: { limit: fmt(limit, run.app.minorUnits), currency: run.app.currency } });
        if (approvals.length === 0) {
          await this.engine.setStep(run, step, 'WAITING_REVIEW', { output: { approvals: next } });
          return;
        }
      }
      await this.engine.setStep(run, step, 'COMPLETED', { output: { decision: 'APPROVED', reviewerId: user.userId, reason, approvals: next, decidedAt: at } });
      if (step.type === 'MANUAL_REVIEW') await this.engine.approve(run, step.key);
    });
  }

  /** A staff or borrower decision under the application's lock: NOT_FOUND unless `allowed`, APPLICATION_NOT_ACTIVE once decided. */
  private async decision(caller: Caller, tenantId: string, applicationId: string, allowed: (app: Application) => boolean, work: (run: Run) => Promise<void>): Promise<AppPayload> {
    if (!isUuid(applicationId)) throw new NotFoundError('Application not found');
    return payload(() => inTenantTx(this.orm, { tenantId }, async (em) => {
      const run = await this.engine.load(em, applicationId, this.meta(caller, tenantId));
      if (!run || !allowed(run.app)) throw new NotFoundError('Application not found');
      if (!run.open) reject('APPLICATION_NOT_ACTIVE', { field: 'applicationId', params: { status: run.app.status } });
      await work(run);
      await this.engine.advance(run);
      return { application: run.app, replayed: false };
    }), EMPTY);
  }

  // ---- events from other subgraphs (consumer transactions, in the event's tenant) ----
  /** flow.execution.completed / failed for a COMPLIANCE_CHECK or IDENTITY_VALIDATION step. */
  async onVerification(em: Em, e: EventEnvelope<'flow.execution.completed'> | EventEnvelope<'flow.execution.failed'>): Promise<void> {
    const ref = parseExternalRef(e.data.externalRef);
    if (!ref || !e.tenantId) return;
    const run = await this.engine.load(em, ref.applicationId, { tenantId: e.tenantId, actor: SYSTEM_ACTOR, requestId: e.requestId ?? null });
    const step = run?.step(ref.stepKey);
    if (!run || !step || !run.open || step.state !== 'WAITING_EVENT' || (step.type !== 'COMPLIANCE_CHECK' && step.type !== 'IDENTITY_VALIDATION')) return;
    if (e.subject === 'flow.execution.failed') {
      const data = (e as EventEnvelope<'flow.execution.failed'>).data;
      // No outcome (provider down, expired): a person decides rather than the borrower being refused.
      await this.engine.setStep(run, step, 'WAITING_REVIEW', { output: { flowRequestId: data.requestId, failure: data.reason, failedStep: data.stepKey } });
    } else {
      const data = (e as EventEnvelope<'flow.execution.completed'>).data;
      const score = scoreOf(data.summary, (step.config as StepConfigs['COMPLIANCE_CHECK']).scorePath);
      const output = { flowRequestId: data.requestId, outcome: data.outcome, score, summary: data.summary };
      if (data.outcome === 'APPROVED') await this.engine.setStep(run, step, 'COMPLETED', { output });
      else if (data.outcome === 'REJECTED') await this.engine.reject(run, step, `${step.type}_REJECTED`, output);
      else await this.engine.setStep(run, step, 'WAITING_REVIEW', { output });
    }
    await this.engine.advance(run);
  }

  /**
   * flow.execution.refused: flow could not start the run lending asked for (FLOW_NOT_FOUND,
   * FLOW_NOT_PUBLISHED, FLOW_NOT_ASSIGNED, CONTEXT_INVALID...). Nothing will ever answer, so the step
   * goes to the review queue now with flow's code (a person fixes the configuration or decides),
   * instead of waiting for EXTERNAL_STEP_TIMEOUT_HOURS.
   */
  async onVerificationRefused(em: Em, e: EventEnvelope<'flow.execution.refused'>): Promise<void> {
    const ref = parseExternalRef(e.data.externalRef);
    if (!ref || !e.tenantId) return;
    const run = await this.engine.load(em, ref.applicationId, { tenantId: e.tenantId, actor: SYSTEM_ACTOR, requestId: e.requestId ?? null });
    const step = run?.step(ref.stepKey);
    if (!run || !step || !run.open || step.state !== 'WAITING_EVENT' || (step.type !== 'COMPLIANCE_CHECK' && step.type !== 'IDENTITY_VALIDATION')) return;
    await this.engine.setStep(run, step, 'WAITING_REVIEW', { output: { refused: { code: String(e.data.code).slice(0, 100), field: e.data.field, flowCode: e.data.flowCode } } });
    await this.engine.advance(run);
  }

  /** sign.signature.completed / rejected for a DOCUMENT_SIGNATURE step. */
  async onSignature(em: Em, e: EventEnvelope<'sign.signature.completed'> | EventEnvelope<'sign.signature.rejected'>): Promise<void> {
    const ref = parseExternalRef(e.data.externalRef);
    if (!ref || !e.tenantId) return;
    const run = await this.engine.load(em, ref.applicationId, { tenantId: e.tenantId, actor: SYSTEM_ACTOR, requestId: e.requestId ?? null });
    const step = run?.step(ref.stepKey);
    if (!run || !step || !run.open || step.state !== 'WAITING_EVENT' || step.type !== 'DOCUMENT_SIGNATURE') return;
    if (e.subject === 'sign.signature.completed') {
      const data = (e as EventEnvelope<'sign.signature.completed'>).data;
      await this.engine.setStep(run, step, 'COMPLETED', { output: { signatureRequestId: data.signatureRequestId, signedDocumentSha256: data.documentSha256, completedAt: data.completedAt } });
    } else {
      const data = (e as EventEnvelope<'sign.signature.rejected'>).data;
      await this.engine.reject(run, step, 'SIGNATURE_REJECTED', { signatureRequestId: data.signatureRequestId, rejectedBy: data.signerId, reason: data.reason });
    }
    await this.engine.advance(run);
  }

  /** subject.profile.blacklisted: every open application of the subject in the event's tenant is rejected. */
  async onBlacklisted(em: Em, e: EventEnvelope<'subject.profile.blacklisted'>): Promise<void> {
    if (!e.tenantId || typeof e.data.subjectRef !== 'string') return;
    const reason = `BLACKLISTED: ${String(e.data.reason ?? '').slice(0, 900)}`;
    for (const id of await store.openApplicationsOfSubject(em, e.data.subjectRef)) {
      const run = await this.engine.load(em, id, { tenantId: e.tenantId, actor: SYSTEM_ACTOR, requestId: e.requestId ?? null });
      if (!run || !run.open) continue;
      const step = run.current;
      await this.engine.reject(run, step && step.state !== 'PENDING' ? step : null, reason, { blacklistedProfileId: e.data.profileId });
      await this.engine.advance(run);
    }
  }

  // ---- the job ----
  /**
   * Advances due retries, times out steps waiting too long on flow or sign, and expires overdue
   * applications of one tenant; each application in its own transaction (one that fails does not
   * hold back the others). Returns how many it touched.
   */
  async runDue(tenantId: string, log?: Logger): Promise<number> {
    const due = await inTenantTx(this.orm, { tenantId }, (em) => store.dueApplications(em, 100));
    let touched = 0;
    for (const d of due) {
      try {
        const done = await inTenantTx(this.orm, { tenantId }, async (em) => {
          const run = await this.engine.load(em, d.id, { tenantId, actor: SYSTEM_ACTOR, requestId: null });
          if (!run || !run.open) return false;
          const now = Date.now();
          if (Date.parse(run.app.expiresAt) <= now) await this.engine.end(run, 'EXPIRED', null);
          else if (run.current?.state === 'WAITING_EVENT') await this.engine.timeOut(run);
          await this.engine.advance(run);
          return true;
        });
        if (done) touched++;
      } catch (err) {
        log?.warn({ tenant_id: tenantId, application_id: d.id, err: (err as Error).message }, 'origination job could not advance an application; will retry');
      }
    }
    if (touched) log?.info({ tenant_id: tenantId, count: touched }, 'origination job advanced applications');
    return touched;
  }
}

/**
 * The origination job: every `intervalMs`, per active tenant, advances applications whose retry is
 * due and expires overdue ones (also right after a restart: the state is in PostgreSQL). Stopping
 * waits for a tick in progress.
 */
export function scheduleOrigination(service: ApplicationsService, tenants: () => Promise<{ id: string }[]>, intervalMs: number, log: Logger): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    running = (async () => {
      try {
        for (const t of await tenants()) {
          if (stopped) break;
          await service.runDue(t.id, log);
        }
      } catch (err) {
        log.warn({ err: (err as Error).message }, 'origination job failed; will retry at the next tick');
      } finally {
        running = null;
      }
    })();
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref();
  tick();
  return async () => { stopped = true; clearInterval(timer); await running; };
}
