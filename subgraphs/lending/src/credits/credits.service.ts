/**
 * Credits and their schedules. A credit pins the exact product version it was made from and keeps
 * a copy of its terms (`terms.loan` for loan-math, `terms.product` for allocation, prepayment,
 * penalties and buckets), so nothing about it changes when the product moves on.
 *
 * Created by `disburse()` (the origination pipeline calls it inside its own transaction) and by the
 * `bookCredit` mutation (staff migrating a portfolio).
 */
import crypto from 'node:crypto';
import { hasRole, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { actorOf, BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, requireUser, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { generateSchedule, LoanMathError, minorUnits, type LoanTerms } from '../loan-math';
import { D, fmt, MAX_LOAN_AMOUNT, scheduleFitsColumns } from '../common/money';
import { CREDIT_BOOKERS, PORTFOLIO_READERS } from '../common/roles';
import { DATE_MAX, DATE_MIN, payload } from '@imagy/platform/graphql';
import type { BookCreditInput, CreditFilter, ResolversParentTypes } from '../__generated__/graphql';
import { addDays, isDate, todayUtc } from '../common/dates';
import type { TenantDirectory } from '../tenants/tenants.service';
import { fromLoanMath } from '../common/loan-math-errors';
import { Rejected, reject, unsafeTextError, userError, type UserError } from '../common/user-errors';

import type { ProductsService } from '../products/products.service';
import type { UserDirectory } from '../users/users.service';
import { checkLoanRequest, loanTermsOf, periodDays, type ProductTerms } from '../products/terms';
import * as store from './credits.store';

export type CreditStatus = 'ACTIVE' | 'PAID_OFF' | 'DEFAULTED';
export interface CreditTerms { loan: LoanTerms; product: ProductTerms }

export interface Credit {
  id: string; tenantId: string; productId: string; versionId: string; borrowerId: string; currency: string; minorUnits: number;
  principal: string; numberOfInstallments: number; installmentAmount: string; disbursedAt: string; status: CreditStatus;
  source: 'PIPELINE' | 'BOOKED'; applicationId: string | null; externalReference: string | null; principalOutstanding: string;
  daysPastDue: number; bucket: string | null; paidOffAt: string | null; defaultedAt: string | null; createdAt: string; terms: CreditTerms;
}

export interface Installment {
  id: string; creditId: string; number: number; dueDate: string; minorUnits: number; currency: string;
  principalDue: string; interestDue: string; feeDue: string; taxDue: string; penaltyDue: string;
  principalPaid: string; interestPaid: string; feePaid: string; taxPaid: string; penaltyPaid: string;
  outstanding: string; paidAt: string | null;
}

export interface DisburseParams {
  tenantId: string;
  versionId: string;
  borrowerId: string;
  principal: string;
  numberOfInstallments: number;
  disbursementDate: string;
  firstDueDate?: string | null;
  applicationId?: string | null;
  externalReference?: string | null;
  source: 'PIPELINE' | 'BOOKED';
  createdBy: string | null;
  actor: EventActor;
  requestId?: string | null;
  /** bookCredit's idempotency key and the hash of its input (stored on the credit for replays). */
  idempotency?: { key: string; requestHash: string } | null;
  /** The application's verified contact (pipeline): carried by lending.credit.disbursed / .defaulted for notifications' rules. */
  contact?: { email: string | null; phone: string | null } | null;
}

export type { CreditFilter };
export interface CreditConnection extends Connection<Credit> { tenantId: string; filter: CreditFilter }

export class CreditsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly products: ProductsService, private readonly users: UserDirectory, private readonly directory: TenantDirectory) {}

  /**
   * Creates an ACTIVE credit with its schedule inside `em`'s transaction (tenant already set) and
   * announces lending.credit.disbursed. Throws Rejected with userErrors for bad input.
   * PIPELINE credits need the product's PUBLISHED version (or the version their application pinned); BOOKED credits (portfolio migration) may
   * pin an ARCHIVED version too, as the loans being migrated were made under it.
   */
  async disburse(em: Em, p: DisburseParams): Promise<Credit> {
    const version = await this.products.versionIn(em, p.versionId);
    if (!version) return reject('VERSION_NOT_FOUND', { field: 'versionId' });
    // An application pinned its version when it started: it disburses under it even if a newer one was published since.
    const allowed = p.source === 'BOOKED' || p.applicationId ? ['PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
    if (!allowed.includes(version.status)) reject('VERSION_NOT_PUBLISHED', { field: 'versionId' });
    const product = (await this.products.productIn(em, version.productId))!;
    if (product.status !== 'ACTIVE' && p.source === 'PIPELINE') reject('PRODUCT_ARCHIVED', { field: 'productId' });
    const errors: UserError[] = [];
    const today = await this.directory.todayIn(em, p.tenantId);
    if (!isUuid(p.borrowerId)) errors.push(userError('INVALID_BORROWER', { field: 'borrowerId' }));
    else if (!(await this.users.known(em, p.borrowerId))) errors.push(userError('BORROWER_NOT_FOUND', { field: 'borrowerId' }));
    if (!isDate(p.disbursementDate) || p.disbursementDate > today) errors.push(userError('INVALID_DATE', { field: 'disbursedAt', params: { min: DATE_MIN, max: today } }));
    if (p.firstDueDate != null) {
      // The first due date follows disbursement by at most the product's bound (a first period of
      // years would pile its interest into one installment).
      const disbursed = isDate(p.disbursementDate) ? p.disbursementDate : null;
      const min = disbursed ? addDays(disbursed, 1) : DATE_MIN;
      const max = disbursed ? addDays(disbursed, version.terms.maxDaysToFirstDue) : DATE_MAX;
      if (!isDate(p.firstDueDate) || p.firstDueDate < min || p.firstDueDate > max) errors.push(userError('INVALID_DATE', { field: 'firstDueDate', params: { min, max } }));
    }
    if (p.externalReference != null && p.externalReference.length > 200) errors.push(userError('INVALID_REFERENCE', { field: 'externalReference' }));
    const unsafeReference = unsafeTextError(p.externalReference, 'externalReference');
    if (unsafeReference) errors.push(unsafeReference);
    errors.push(...checkLoanRequest(version.terms, product.currency, p.principal, p.numberOfInstallments).map((e) => (e.field === 'amount' ? { ...e, field: 'principal' } : e)));
    if (errors.length) throw new Rejected(errors);

    const principal = p.principal.trim();
    const loan = loanTermsOf(version.terms, product.currency, principal, p.numberOfInstallments, p.disbursementDate, p.firstDueDate);
    let schedule;
    try { schedule = generateSchedule(loan); } catch (e) {
      if (e instanceof LoanMathError) throw new Rejected(fromLoanMath(e));
      throw e;
    }
    const units = minorUnits(product.currency);
    if (!scheduleFitsColumns(schedule)) {
      reject('AMOUNT_OUT_OF_RANGE', { field: 'principal', params: { min: fmt(version.terms.minAmount, units), max: fmt(D.min(version.terms.maxAmount, MAX_LOAN_AMOUNT), units), currency: product.currency } });
    }
    const id = crypto.randomUUID();
    const rules = version.terms;
    await store.insertCredit(em, {
      id, tenantId: p.tenantId, productId: product.id, versionId: version.id, borrowerId: p.borrowerId, currency: product.currency, minorUnits: units,
      principal: schedule.financedAmount.toString(), numberOfInstallments: schedule.rows.length, installmentAmount: schedule.installment.toString(),
      disbursedAt: p.disbursementDate, terms: { loan, product: version.terms }, source: p.source, applicationId: p.applicationId ?? null,
      externalReference: p.externalReference ?? null, principalOutstanding: schedule.totals.principal.toString(), createdBy: p.createdBy,
      penaltyKind: rules.latePenalty.kind, penaltyRate: rules.latePenalty.rate, penaltyGraceDays: rules.latePenalty.graceDays,
      penaltyPeriodDays: periodDays(rules.frequency), defaultThresholdDays: rules.defaultThresholdDays, buckets: rules.delinquencyBuckets,
      idempotency: p.idempotency ?? null, contactEmail: p.contact?.email ?? null, contactPhone: p.contact?.phone ?? null,
    });
    await store.insertInstallments(em, p.tenantId, id, schedule.rows, null);
    await this.outbox.publish(em, 'lending.credit.disbursed', {
      creditId: id, productId: product.id, versionId: version.id, borrowerId: p.borrowerId, principal: fmt(schedule.financedAmount, units), currency: product.currency,
      disbursedAt: p.disbursementDate, numberOfInstallments: schedule.rows.length, source: p.source, applicationId: p.applicationId ?? null,
      contactEmail: p.contact?.email ?? null, contactPhone: p.contact?.phone ?? null,
    }, { tenantId: p.tenantId, actor: p.actor, requestId: p.requestId ?? null });
    return (await this.creditIn(em, id))!;
  }

  /**
   * bookCredit. The idempotency key is looked up first: a replay with the same input answers the
   * stored credit (`replayed: true`) and books nothing; other input under the key is
   * IDEMPOTENCY_KEY_REUSED. Two concurrent first requests with one key: the unique index lets one
   * commit, the other's transaction fails on it and is run again, finding the first credit.
   */
  async book(caller: Caller, input: BookCreditInput): Promise<ResolversParentTypes['BookCreditPayload']> {
    const user = requireRole(caller.auth, ...CREDIT_BOOKERS);
    const key = (input.idempotencyKey ?? '').trim();
    if (key.length < 1 || key.length > 200) return { credit: null, replayed: false, userErrors: [userError('INVALID_IDEMPOTENCY_KEY', { field: 'idempotencyKey' })] };
    const unsafeKey = unsafeTextError(key, 'idempotencyKey');
    if (unsafeKey) return { credit: null, replayed: false, userErrors: [unsafeKey] };
    const requestHash = bookingHash(input);
    return payload(() => inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
      const before = await store.creditByIdempotencyKey(em, key);
      if (before) {
        if (before.requestHash !== requestHash) reject('IDEMPOTENCY_KEY_REUSED', { field: 'idempotencyKey' });
        return { credit: before.credit, replayed: true };
      }
      const product = await this.products.productIn(em, input.productId);
      if (!product) return reject('PRODUCT_NOT_FOUND', { field: 'productId' });
      let versionId = input.versionId ?? null;
      if (versionId) {
        const v = await this.products.versionIn(em, versionId);
        if (!v || v.productId !== product.id) reject('VERSION_NOT_FOUND', { field: 'versionId' });
      } else {
        const published = await this.products.publishedVersionOf(em, product.id);
        if (!published) return reject('VERSION_NOT_PUBLISHED', { field: 'productId' });
        versionId = published.id;
      }
      const credit = await this.disburse(em, {
        tenantId: user.tenantId, versionId: versionId!, borrowerId: input.borrowerId, principal: input.principal, numberOfInstallments: input.term,
        disbursementDate: input.disbursedAt, firstDueDate: input.firstDueDate, externalReference: input.externalReference, source: 'BOOKED',
        createdBy: user.userId, actor: actorOf(caller), requestId: caller.requestId, idempotency: { key, requestHash },
      });
      return { credit, replayed: false };
    }), { credit: null, replayed: false }, { onUniqueViolation: 'retry' });
  }

  /** The tenant's business date (today in its time zone). */
  businessDate(tenantId: string): Promise<string> {
    return this.directory.today(tenantId);
  }

  async creditIn(em: Em, id: string, lock = false): Promise<Credit | null> {
    return isUuid(id) ? store.creditById(em, id, lock) : null;
  }

  // ---- batch reads (DataLoaders) ----
  async byIds(tenantId: string | null, ids: readonly string[]): Promise<(Credit | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => null);
    const m = new Map((await inTenantTx(this.orm, { tenantId }, (em) => store.creditsByIds(em, valid))).map((c) => [c.id, c]));
    return ids.map((id) => m.get(id) ?? null);
  }
  async byBorrowerIds(tenantId: string | null, ids: readonly string[]): Promise<Credit[][]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => []);
    return groupBy(ids, await inTenantTx(this.orm, { tenantId }, (em) => store.creditsOfBorrowers(em, valid)), (c) => c.borrowerId);
  }
  async installmentsByCreditIds(tenantId: string | null, ids: readonly string[]): Promise<Installment[][]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => []);
    return groupBy(ids, await inTenantTx(this.orm, { tenantId }, (em) => store.installmentsOfCredits(em, valid)), (i) => i.creditId);
  }

  // ---- access ----
  /** Staff of the tenant read any credit; a borrower only their own. */
  canRead(auth: AuthContext, credit: Credit): boolean {
    return hasRole(auth, ...PORTFOLIO_READERS) || (auth.userId !== null && auth.userId === credit.borrowerId);
  }
  /** Whose credits a caller may list through `User.credits`. */
  canReadBorrower(auth: AuthContext, borrowerId: string): boolean {
    if (auth.kind === 'anonymous' || !auth.tenantId) return false;
    return auth.userId === borrowerId || hasRole(auth, ...PORTFOLIO_READERS);
  }

  async list(auth: AuthContext, args: { filter?: CreditFilter | null; first?: number | null; after?: string | null }): Promise<CreditConnection> {
    const user = requireRole(auth, ...PORTFOLIO_READERS);
    const limit = pageSize(args.first);
    const cursor = decodeCursor<[string, string]>(args.after);
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const filter = checkedFilter(args.filter ?? {});
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => store.listCredits(em, filter, cursor ? { createdAt: cursor[0], id: cursor[1] } : null, limit + 1));
    return { ...toConnection(rows, limit, (c) => [c.createdAt, c.id]), tenantId: user.tenantId, filter };
  }

  /** Count and outstanding principal per currency of every credit matching the filter (one statement). */
  async totals(tenantId: string, filter: CreditFilter): Promise<{ count: number; outstandingPrincipal: { currency: string; amount: string }[] }> {
    return inTenantTx(this.orm, { tenantId }, (em) => store.creditTotals(em, checkedFilter(filter)));
  }

  /** For `credit(id)`: null unless the caller may read it (borrowers: only their own). */
  async readable(auth: AuthContext, credit: Credit | null): Promise<Credit | null> {
    requireUser(auth);
    return credit && this.canRead(auth, credit) ? credit : null;
  }
}

export function installmentStatus(i: Installment, today = todayUtc()): 'PAID' | 'OVERDUE' | 'PARTIALLY_PAID' | 'PENDING' {
  if (new D(i.outstanding).isZero()) return 'PAID';
  if (i.dueDate < today) return 'OVERDUE';
  const paid = [i.principalPaid, i.interestPaid, i.feePaid, i.taxPaid, i.penaltyPaid].some((v) => !new D(v).isZero());
  return paid ? 'PARTIALLY_PAID' : 'PENDING';
}
export { NotFoundError };

/** What makes two bookings "the same request" under one idempotency key (amounts compared as numbers). */
function bookingHash(input: BookCreditInput): string {
  let principal = String(input.principal ?? '').trim();
  try { principal = new D(principal).toString(); } catch { /* not a number: compared as written */ }
  const fields = [input.productId, input.versionId ?? null, input.borrowerId, principal, input.term, input.disbursedAt, input.firstDueDate ?? null, input.externalReference ?? null];
  return crypto.createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}

/** Filter values are checked here, so the store only ever receives ids and dates. */
function checkedFilter(filter: CreditFilter): CreditFilter {
  if (filter.productId && !isUuid(filter.productId)) throw new BadInputError('productId must be an id', 'filter.productId');
  if (filter.borrowerId && !isUuid(filter.borrowerId)) throw new BadInputError('borrowerId must be an id', 'filter.borrowerId');
  if (filter.disbursedFrom && !isDate(filter.disbursedFrom)) throw new BadInputError('disbursedFrom must be YYYY-MM-DD', 'filter.disbursedFrom');
  if (filter.disbursedTo && !isDate(filter.disbursedTo)) throw new BadInputError('disbursedTo must be YYYY-MM-DD', 'filter.disbursedTo');
  return filter;
}

function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) { const k = keyOf(r); const list = m.get(k); if (list) list.push(r); else m.set(k, [r]); }
  return keys.map((k) => m.get(k) ?? []);
}
