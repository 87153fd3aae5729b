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
import { BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, requireUser, toConnection, type Connection } from '@imagy/platform/server';
import { generateSchedule, LoanMathError, minorUnits, type LoanTerms, type ScheduleRow } from '../loan-math';
import { actorOf, type Caller } from '@imagy/platform/server';
import { D, fmt } from '../common/money';
import { CREDIT_BOOKERS, PORTFOLIO_READERS } from '../common/roles';
import { iso, jsonParam, UUID_ARRAY_PARAM, ymd } from '../common/sql';
import { isDate, Rejected, reject, todayUtc, userError, type UserError } from '../common/validation';
import type { ProductsService } from '../products/products.service';
import { checkLoanRequest, loanTermsOf, periodDays, type ProductTerms } from '../products/terms';

export type CreditStatus = 'ACTIVE' | 'PAID_OFF' | 'DEFAULTED';
export interface CreditTerms { loan: LoanTerms; product: ProductTerms }

export interface Credit {
  id: string; tenantId: string; productId: string; versionId: string; borrowerId: string; currency: string; minorUnits: number;
  principal: string; numberOfInstallments: number; installmentAmount: string; disbursedAt: string; status: CreditStatus;
  source: 'PIPELINE' | 'BOOKED'; applicationId: string | null; externalReference: string | null; principalOutstanding: string;
  daysPastDue: number; bucket: string | null; paidOffAt: string | null; defaultedAt: string | null; createdAt: string; terms: CreditTerms;
}

export interface Installment {
  id: string; creditId: string; number: number; dueDate: string; minorUnits: number;
  principalDue: string; interestDue: string; feeDue: string; taxDue: string; penaltyDue: string;
  principalPaid: string; interestPaid: string; feePaid: string; taxPaid: string; penaltyPaid: string;
  outstanding: string; paidAt: string | null;
}

export const CREDIT_SELECT = `select c.id, c.tenant_id, c.product_id, c.version_id, c.borrower_id, trim(c.currency) as currency, c.minor_units, c.principal::text as principal,
  c.number_of_installments, c.installment_amount::text as installment_amount, ${ymd('c.disbursed_at')} as disbursed_at, c.status, c.source, c.application_id,
  c.external_reference, c.principal_outstanding::text as principal_outstanding, c.days_past_due, c.bucket, ${ymd('c.paid_off_at')} as paid_off_at,
  ${ymd('c.defaulted_at')} as defaulted_at, ${iso('c.created_at')} as created_at, c.terms from credits c`;

export const INSTALLMENT_SELECT = `select i.id, i.credit_id, i.number, ${ymd('i.due_date')} as due_date,
  i.principal_due::text as principal_due, i.interest_due::text as interest_due, i.fee_due::text as fee_due, i.tax_due::text as tax_due, i.penalty_due::text as penalty_due,
  i.principal_paid::text as principal_paid, i.interest_paid::text as interest_paid, i.fee_paid::text as fee_paid, i.tax_paid::text as tax_paid, i.penalty_paid::text as penalty_paid,
  i.outstanding::text as outstanding, ${ymd('i.paid_at')} as paid_at, i.origin_payment_id, c.minor_units from installments i join credits c on c.id = i.credit_id`;

type Row = Record<string, any>;
export const toCredit = (r: Row): Credit => ({
  id: r.id, tenantId: r.tenant_id, productId: r.product_id, versionId: r.version_id, borrowerId: r.borrower_id, currency: r.currency, minorUnits: r.minor_units,
  principal: fmt(r.principal, r.minor_units), numberOfInstallments: r.number_of_installments, installmentAmount: fmt(r.installment_amount, r.minor_units),
  disbursedAt: r.disbursed_at, status: r.status, source: r.source, applicationId: r.application_id, externalReference: r.external_reference,
  principalOutstanding: fmt(r.principal_outstanding, r.minor_units), daysPastDue: r.days_past_due, bucket: r.bucket, paidOffAt: r.paid_off_at,
  defaultedAt: r.defaulted_at, createdAt: r.created_at, terms: r.terms,
});
export const toInstallment = (r: Row): Installment => {
  const u = r.minor_units as number;
  return {
    id: r.id, creditId: r.credit_id, number: r.number, dueDate: r.due_date, minorUnits: u,
    principalDue: fmt(r.principal_due, u), interestDue: fmt(r.interest_due, u), feeDue: fmt(r.fee_due, u), taxDue: fmt(r.tax_due, u), penaltyDue: fmt(r.penalty_due, u),
    principalPaid: fmt(r.principal_paid, u), interestPaid: fmt(r.interest_paid, u), feePaid: fmt(r.fee_paid, u), taxPaid: fmt(r.tax_paid, u), penaltyPaid: fmt(r.penalty_paid, u),
    outstanding: fmt(r.outstanding, u), paidAt: r.paid_at,
  };
};

/** Inserts schedule rows in one statement. */
export async function insertInstallments(em: Em, tenantId: string, creditId: string, rows: ScheduleRow[], originPaymentId: string | null): Promise<void> {
  if (!rows.length) return;
  const data = rows.map((r) => ({ id: crypto.randomUUID(), number: r.number, due_date: r.dueDate, principal: r.principal.toString(), interest: r.interest.toString(), fee: r.fee.toString(), tax: r.tax.toString() }));
  await em.execute(
    `insert into installments (id, tenant_id, credit_id, number, due_date, principal_due, interest_due, fee_due, tax_due, origin_payment_id)
     select r.id, ?, ?, r.number, r.due_date, r.principal, r.interest, r.fee, r.tax, ? from jsonb_to_recordset(?::jsonb) as r(id uuid, number int, due_date date, principal numeric, interest numeric, fee numeric, tax numeric)`,
    [tenantId, creditId, originPaymentId, JSON.stringify(data)],
  );
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
}

export interface BookCreditInput {
  productId: string; versionId?: string | null; borrowerId: string; principal: string; term: number;
  disbursedAt: string; firstDueDate?: string | null; externalReference?: string | null;
}

export interface CreditFilter { status?: CreditStatus | null; bucket?: string | null; productId?: string | null; borrowerId?: string | null; disbursedFrom?: string | null; disbursedTo?: string | null }
export interface CreditConnection extends Connection<Credit> { tenantId: string; filter: CreditFilter }

export class CreditsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly products: ProductsService) {}

  /**
   * Creates an ACTIVE credit with its schedule inside `em`'s transaction (tenant already set) and
   * announces lending.credit.disbursed. Throws Rejected with userErrors for bad input.
   * PIPELINE credits need the product's PUBLISHED version; BOOKED credits (portfolio migration) may
   * pin an ARCHIVED version too, as the loans being migrated were made under it.
   */
  async disburse(em: Em, p: DisburseParams): Promise<Credit> {
    const version = await this.products.versionIn(em, p.versionId);
    if (!version) return reject('VERSION_NOT_FOUND', 'Product version not found', 'versionId');
    const allowed = p.source === 'BOOKED' ? ['PUBLISHED', 'ARCHIVED'] : ['PUBLISHED'];
    if (!allowed.includes(version.status)) reject('VERSION_NOT_PUBLISHED', `Version ${version.number} is ${version.status}`, 'versionId');
    const product = (await this.products.productIn(em, version.productId))!;
    if (product.status !== 'ACTIVE' && p.source === 'PIPELINE') reject('PRODUCT_ARCHIVED', 'The product is archived', 'productId');
    const errors: UserError[] = [];
    if (!isUuid(p.borrowerId)) errors.push(userError('INVALID_BORROWER', 'borrowerId must be a user id', 'borrowerId'));
    if (!isDate(p.disbursementDate)) errors.push(userError('INVALID_DATE', 'disbursedAt must be a date YYYY-MM-DD', 'disbursedAt'));
    else if (p.disbursementDate > todayUtc()) errors.push(userError('INVALID_DATE', 'disbursedAt cannot be in the future', 'disbursedAt'));
    if (p.firstDueDate != null && (!isDate(p.firstDueDate) || (isDate(p.disbursementDate) && p.firstDueDate <= p.disbursementDate))) errors.push(userError('INVALID_DATE', 'firstDueDate must be a date after disbursedAt', 'firstDueDate'));
    if (p.externalReference != null && p.externalReference.length > 200) errors.push(userError('INVALID_REFERENCE', 'At most 200 characters', 'externalReference'));
    errors.push(...checkLoanRequest(version.terms, product.currency, p.principal, p.numberOfInstallments).map((e) => (e.field === 'amount' ? { ...e, field: 'principal' } : e)));
    if (errors.length) throw new Rejected(errors);

    const principal = p.principal.trim();
    const loan = loanTermsOf(version.terms, product.currency, principal, p.numberOfInstallments, p.disbursementDate, p.firstDueDate);
    let schedule;
    try { schedule = generateSchedule(loan); } catch (e) {
      if (e instanceof LoanMathError) reject(e.code, e.message, e.field ?? null);
      throw e;
    }
    const units = minorUnits(product.currency);
    const id = crypto.randomUUID();
    await em.execute(
      `insert into credits (id, tenant_id, product_id, version_id, borrower_id, currency, minor_units, principal, number_of_installments, installment_amount,
         disbursed_at, terms, source, application_id, external_reference, principal_outstanding, created_by,
         penalty_kind, penalty_rate, penalty_grace_days, penalty_period_days, default_threshold_days, buckets)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)`,
      [id, p.tenantId, product.id, version.id, p.borrowerId, product.currency, units, schedule.financedAmount.toString(), schedule.rows.length, schedule.installment.toString(),
        p.disbursementDate, JSON.stringify({ loan, product: version.terms } satisfies CreditTerms), p.source, p.applicationId ?? null, p.externalReference ?? null,
        schedule.totals.principal.toString(), p.createdBy,
        version.terms.latePenalty.kind, version.terms.latePenalty.rate, version.terms.latePenalty.graceDays, periodDays(version.terms.frequency),
        version.terms.defaultThresholdDays, JSON.stringify(version.terms.delinquencyBuckets)],
    );
    await insertInstallments(em, p.tenantId, id, schedule.rows, null);
    await this.outbox.publish(em, 'lending.credit.disbursed', {
      creditId: id, productId: product.id, versionId: version.id, borrowerId: p.borrowerId, principal: fmt(schedule.financedAmount, units), currency: product.currency,
      disbursedAt: p.disbursementDate, numberOfInstallments: schedule.rows.length, source: p.source, applicationId: p.applicationId ?? null,
    }, { tenantId: p.tenantId, actor: p.actor, requestId: p.requestId ?? null });
    return (await this.creditIn(em, id))!;
  }

  async book(caller: Caller, input: BookCreditInput): Promise<{ credit: Credit | null; userErrors: UserError[] }> {
    const user = requireRole(caller.auth, ...CREDIT_BOOKERS);
    try {
      return await inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
        const product = await this.products.productIn(em, input.productId);
        if (!product) return reject('PRODUCT_NOT_FOUND', 'Product not found', 'productId');
        let versionId = input.versionId ?? null;
        if (versionId) {
          const v = await this.products.versionIn(em, versionId);
          if (!v || v.productId !== product.id) reject('VERSION_NOT_FOUND', 'No such version of this product', 'versionId');
        } else {
          const rows = await em.execute<Row[]>(`select id from product_versions where product_id = ? and status = 'PUBLISHED'`, [product.id]);
          if (!rows[0]) reject('VERSION_NOT_PUBLISHED', 'The product has no published version', 'productId');
          versionId = rows[0]!.id as string;
        }
        const credit = await this.disburse(em, {
          tenantId: user.tenantId, versionId: versionId!, borrowerId: input.borrowerId, principal: input.principal, numberOfInstallments: input.term,
          disbursementDate: input.disbursedAt, firstDueDate: input.firstDueDate, externalReference: input.externalReference, source: 'BOOKED',
          createdBy: user.userId, actor: actorOf(caller), requestId: caller.requestId,
        });
        return { credit, userErrors: [] };
      });
    } catch (e) {
      if (e instanceof Rejected) return { credit: null, userErrors: e.userErrors };
      throw e;
    }
  }

  async creditIn(em: Em, id: string, lock = false): Promise<Credit | null> {
    if (!isUuid(id)) return null;
    const rows = await em.execute<Row[]>(`${CREDIT_SELECT} where c.id = ?${lock ? ' for update' : ''}`, [id]);
    return rows[0] ? toCredit(rows[0]) : null;
  }

  // ---- batch reads (DataLoaders) ----
  async byIds(tenantId: string | null, ids: readonly string[]): Promise<(Credit | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => null);
    const rows = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(`${CREDIT_SELECT} where c.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(valid)]));
    const m = new Map(rows.map((r) => [r.id as string, toCredit(r)]));
    return ids.map((id) => m.get(id) ?? null);
  }
  async byBorrowerIds(tenantId: string | null, ids: readonly string[]): Promise<Credit[][]> {
    const rows = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(`${CREDIT_SELECT} where c.borrower_id = any(${UUID_ARRAY_PARAM}) order by c.disbursed_at, c.created_at, c.id`, [jsonParam(ids.filter(isUuid))]));
    const m = new Map<string, Credit[]>();
    for (const r of rows.map(toCredit)) { if (!m.has(r.borrowerId)) m.set(r.borrowerId, []); m.get(r.borrowerId)!.push(r); }
    return ids.map((id) => m.get(id) ?? []);
  }
  async installmentsByCreditIds(tenantId: string | null, ids: readonly string[]): Promise<Installment[][]> {
    const rows = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(`${INSTALLMENT_SELECT} where i.credit_id = any(${UUID_ARRAY_PARAM}) order by i.credit_id, i.number`, [jsonParam(ids.filter(isUuid))]));
    const m = new Map<string, Installment[]>();
    for (const r of rows.map(toInstallment)) { if (!m.has(r.creditId)) m.set(r.creditId, []); m.get(r.creditId)!.push(r); }
    return ids.map((id) => m.get(id) ?? []);
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
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const filter = args.filter ?? {};
    const { where, params } = this.filterSql(filter);
    if (cursor) { where.push('(c.created_at, c.id) > (?::timestamptz, ?::uuid)'); params.push(cursor[0], cursor[1]); }
    const rows = await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => em.execute<Row[]>(`${CREDIT_SELECT} ${where.length ? `where ${where.join(' and ')}` : ''} order by c.created_at, c.id limit ?`, [...params, limit + 1]));
    return { ...toConnection(rows.map(toCredit), limit, (c) => [c.createdAt, c.id]), tenantId: user.tenantId, filter };
  }

  /** Count and outstanding principal per currency of every credit matching the filter (one statement). */
  async totals(tenantId: string, filter: CreditFilter): Promise<{ count: number; outstandingPrincipal: { currency: string; amount: string }[] }> {
    const { where, params } = this.filterSql(filter);
    const rows = await inTenantTx(this.orm, { tenantId }, (em) => em.execute<Row[]>(
      `select trim(c.currency) as currency, max(c.minor_units) as units, count(*)::int as n, sum(c.principal_outstanding)::text as outstanding from credits c ${where.length ? `where ${where.join(' and ')}` : ''} group by c.currency order by 1`,
      params,
    ));
    return { count: rows.reduce((s, r) => s + r.n, 0), outstandingPrincipal: rows.map((r) => ({ currency: r.currency, amount: fmt(r.outstanding, r.units) })) };
  }

  private filterSql(filter: CreditFilter): { where: string[]; params: unknown[] } {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.status) { where.push('c.status = ?'); params.push(filter.status); }
    if (filter.bucket) { where.push('c.bucket = ?'); params.push(filter.bucket); }
    if (filter.productId) {
      if (!isUuid(filter.productId)) throw new BadInputError('productId must be an id', 'filter.productId');
      where.push('c.product_id = ?'); params.push(filter.productId);
    }
    if (filter.borrowerId) {
      if (!isUuid(filter.borrowerId)) throw new BadInputError('borrowerId must be an id', 'filter.borrowerId');
      where.push('c.borrower_id = ?'); params.push(filter.borrowerId);
    }
    if (filter.disbursedFrom) {
      if (!isDate(filter.disbursedFrom)) throw new BadInputError('disbursedFrom must be YYYY-MM-DD', 'filter.disbursedFrom');
      where.push('c.disbursed_at >= ?::date'); params.push(filter.disbursedFrom);
    }
    if (filter.disbursedTo) {
      if (!isDate(filter.disbursedTo)) throw new BadInputError('disbursedTo must be YYYY-MM-DD', 'filter.disbursedTo');
      where.push('c.disbursed_at <= ?::date'); params.push(filter.disbursedTo);
    }
    return { where, params };
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
