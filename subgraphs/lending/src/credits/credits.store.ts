/**
 * SQL of credits and their installments (hand-written: the portfolio list is keyset-paginated with
 * filters, its totals are an aggregate, payments take the credit's row lock, and the delinquency job
 * updates these rows set-based, so an identity map would only hold stale copies). Every function
 * runs on the `em` of the caller's tenant-scoped transaction, so RLS applies.
 */
import crypto from 'node:crypto';
import { iso, jsonParam, UUID_ARRAY_PARAM, ymd, type Em } from '@imagy/platform/db';
import type { ScheduleRow } from '../loan-math';
import { fmt } from '../common/money';
import type { Credit, CreditFilter, CreditStatus, CreditTerms, Installment } from './credits.service';

export interface CreditRow {
  id: string; tenant_id: string; product_id: string; version_id: string; borrower_id: string; currency: string; minor_units: number;
  principal: string; number_of_installments: number; installment_amount: string; disbursed_at: string; status: CreditStatus;
  source: 'PIPELINE' | 'BOOKED'; application_id: string | null; external_reference: string | null; principal_outstanding: string;
  days_past_due: number; bucket: string | null; paid_off_at: string | null; defaulted_at: string | null; created_at: string; terms: CreditTerms;
}

/** One installment row as stored (numeric columns as text). */
export interface InstallmentRow {
  id: string; credit_id: string; number: number; due_date: string;
  principal_due: string; interest_due: string; fee_due: string; tax_due: string; penalty_due: string;
  principal_paid: string; interest_paid: string; fee_paid: string; tax_paid: string; penalty_paid: string;
  outstanding: string; paid_at: string | null; origin_payment_id: string | null;
}

const CREDIT_COLUMNS = `c.id, c.tenant_id, c.product_id, c.version_id, c.borrower_id, trim(c.currency) as currency, c.minor_units, c.principal::text as principal,
  c.number_of_installments, c.installment_amount::text as installment_amount, ${ymd('c.disbursed_at')} as disbursed_at, c.status, c.source, c.application_id,
  c.external_reference, c.principal_outstanding::text as principal_outstanding, c.days_past_due, c.bucket, ${ymd('c.paid_off_at')} as paid_off_at,
  ${ymd('c.defaulted_at')} as defaulted_at, ${iso('c.created_at')} as created_at, c.terms`;
const CREDIT_SELECT = `select ${CREDIT_COLUMNS} from credits c`;

const INSTALLMENT_COLUMNS = `i.id, i.credit_id, i.number, ${ymd('i.due_date')} as due_date,
  i.principal_due::text as principal_due, i.interest_due::text as interest_due, i.fee_due::text as fee_due, i.tax_due::text as tax_due, i.penalty_due::text as penalty_due,
  i.principal_paid::text as principal_paid, i.interest_paid::text as interest_paid, i.fee_paid::text as fee_paid, i.tax_paid::text as tax_paid, i.penalty_paid::text as penalty_paid,
  i.outstanding::text as outstanding, ${ymd('i.paid_at')} as paid_at, i.origin_payment_id`;

const toCredit = (r: CreditRow): Credit => ({
  id: r.id, tenantId: r.tenant_id, productId: r.product_id, versionId: r.version_id, borrowerId: r.borrower_id, currency: r.currency, minorUnits: r.minor_units,
  principal: fmt(r.principal, r.minor_units), numberOfInstallments: r.number_of_installments, installmentAmount: fmt(r.installment_amount, r.minor_units),
  disbursedAt: r.disbursed_at, status: r.status, source: r.source, applicationId: r.application_id, externalReference: r.external_reference,
  principalOutstanding: fmt(r.principal_outstanding, r.minor_units), daysPastDue: r.days_past_due, bucket: r.bucket, paidOffAt: r.paid_off_at,
  defaultedAt: r.defaulted_at, createdAt: r.created_at, terms: r.terms,
});
const toInstallment = (r: InstallmentRow & { minor_units: number; currency: string }): Installment => {
  const u = r.minor_units;
  return {
    id: r.id, creditId: r.credit_id, number: r.number, dueDate: r.due_date, minorUnits: u, currency: r.currency,
    principalDue: fmt(r.principal_due, u), interestDue: fmt(r.interest_due, u), feeDue: fmt(r.fee_due, u), taxDue: fmt(r.tax_due, u), penaltyDue: fmt(r.penalty_due, u),
    principalPaid: fmt(r.principal_paid, u), interestPaid: fmt(r.interest_paid, u), feePaid: fmt(r.fee_paid, u), taxPaid: fmt(r.tax_paid, u), penaltyPaid: fmt(r.penalty_paid, u),
    outstanding: fmt(r.outstanding, u), paidAt: r.paid_at,
  };
};

// ---- credits ----
/** `lock` takes the credit's row lock: payments and reversals of one credit serialise on it. */
export async function creditById(em: Em, id: string, lock = false): Promise<Credit | null> {
  const rows = await em.execute<CreditRow[]>(`${CREDIT_SELECT} where c.id = ?${lock ? ' for update' : ''}`, [id]);
  return rows[0] ? toCredit(rows[0]) : null;
}
export async function creditsByIds(em: Em, ids: string[]): Promise<Credit[]> {
  return (await em.execute<CreditRow[]>(`${CREDIT_SELECT} where c.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toCredit);
}
export async function creditsOfBorrowers(em: Em, borrowerIds: string[]): Promise<Credit[]> {
  return (await em.execute<CreditRow[]>(`${CREDIT_SELECT} where c.borrower_id = any(${UUID_ARRAY_PARAM}) order by c.disbursed_at, c.created_at, c.id`, [jsonParam(borrowerIds)])).map(toCredit);
}

function filterSql(filter: CreditFilter): { where: string[]; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.status) { where.push('c.status = ?'); params.push(filter.status); }
  if (filter.bucket) { where.push('c.bucket = ?'); params.push(filter.bucket); }
  if (filter.productId) { where.push('c.product_id = ?'); params.push(filter.productId); }
  if (filter.borrowerId) { where.push('c.borrower_id = ?'); params.push(filter.borrowerId); }
  if (filter.disbursedFrom) { where.push('c.disbursed_at >= ?::date'); params.push(filter.disbursedFrom); }
  if (filter.disbursedTo) { where.push('c.disbursed_at <= ?::date'); params.push(filter.disbursedTo); }
  return { where, params };
}
const whereOf = (where: string[]) => (where.length ? `where ${where.join(' and ')}` : '');

/** A page of the portfolio, oldest first, after the keyset (created_at, id). The filter is already validated. */
export async function listCredits(em: Em, filter: CreditFilter, from: { createdAt: string; id: string } | null, limit: number): Promise<Credit[]> {
  const { where, params } = filterSql(filter);
  if (from) { where.push('(c.created_at, c.id) > (?::timestamptz, ?::uuid)'); params.push(from.createdAt, from.id); }
  return (await em.execute<CreditRow[]>(`${CREDIT_SELECT} ${whereOf(where)} order by c.created_at, c.id limit ?`, [...params, limit])).map(toCredit);
}

/** Count and outstanding principal per currency of every credit matching the filter (one statement). */
export async function creditTotals(em: Em, filter: CreditFilter): Promise<{ count: number; outstandingPrincipal: { currency: string; amount: string }[] }> {
  const { where, params } = filterSql(filter);
  const rows = await em.execute<{ currency: string; units: number; n: number; outstanding: string }[]>(
    `select trim(c.currency) as currency, max(c.minor_units) as units, count(*)::int as n, sum(c.principal_outstanding)::text as outstanding from credits c ${whereOf(where)} group by c.currency order by 1`,
    params,
  );
  return { count: rows.reduce((s, r) => s + r.n, 0), outstandingPrincipal: rows.map((r) => ({ currency: r.currency, amount: fmt(r.outstanding, r.units) })) };
}

export interface NewCredit {
  id: string; tenantId: string; productId: string; versionId: string; borrowerId: string; currency: string; minorUnits: number;
  principal: string; numberOfInstallments: number; installmentAmount: string; disbursedAt: string; terms: CreditTerms;
  source: 'PIPELINE' | 'BOOKED'; applicationId: string | null; externalReference: string | null; principalOutstanding: string; createdBy: string | null;
  /** Copies of the version's delinquency rules, so the daily job never reads the terms document. */
  penaltyKind: string; penaltyRate: string; penaltyGraceDays: number; penaltyPeriodDays: number; defaultThresholdDays: number; buckets: unknown;
  /** bookCredit's key and the hash of its input, so a retry is answered from the stored credit. */
  idempotency: { key: string; requestHash: string } | null;
  /** The application's verified contact (PIPELINE credits), repeated in lending.credit.defaulted. */
  contactEmail: string | null;
  contactPhone: string | null;
}

export async function insertCredit(em: Em, c: NewCredit): Promise<void> {
  await em.execute(
    `insert into credits (id, tenant_id, product_id, version_id, borrower_id, currency, minor_units, principal, number_of_installments, installment_amount,
       disbursed_at, terms, source, application_id, external_reference, principal_outstanding, created_by,
       penalty_kind, penalty_rate, penalty_grace_days, penalty_period_days, default_threshold_days, buckets, idempotency_key, request_hash, contact_email, contact_phone)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?)`,
    [c.id, c.tenantId, c.productId, c.versionId, c.borrowerId, c.currency, c.minorUnits, c.principal, c.numberOfInstallments, c.installmentAmount,
      c.disbursedAt, JSON.stringify(c.terms), c.source, c.applicationId, c.externalReference, c.principalOutstanding, c.createdBy,
      c.penaltyKind, c.penaltyRate, c.penaltyGraceDays, c.penaltyPeriodDays, c.defaultThresholdDays, JSON.stringify(c.buckets), c.idempotency?.key ?? null, c.idempotency?.requestHash ?? null, c.contactEmail, c.contactPhone],
  );
}

/** The credit booked with this idempotency key in the transaction's tenant, and the hash of the request that booked it. */
export async function creditByIdempotencyKey(em: Em, key: string): Promise<{ credit: Credit; requestHash: string } | null> {
  const rows = await em.execute<(CreditRow & { request_hash: string })[]>(`select ${CREDIT_COLUMNS}, c.request_hash from credits c where c.idempotency_key = ?`, [key]);
  const row = rows[0];
  return row ? { credit: toCredit(row), requestHash: row.request_hash } : null;
}

/**
 * Recomputes a credit's balances from its installments after a payment or a reversal: PAID_OFF when
 * nothing is outstanding (else `statusIfOpen`), days past due and bucket cleared when nothing is
 * overdue at `asOf`. Returns the new status.
 */
export async function refreshBalances(em: Em, creditId: string, asOf: string, installmentAmount: string, statusIfOpen: CreditStatus): Promise<CreditStatus> {
  const rows = await em.execute<{ status: CreditStatus }[]>(
    `update credits c set principal_outstanding = s.principal, number_of_installments = s.n, installment_amount = ?,
       status = case when s.outstanding = 0 then 'PAID_OFF' else ? end,
       paid_off_at = case when s.outstanding = 0 then ?::date else null end,
       days_past_due = case when s.overdue then c.days_past_due else 0 end,
       bucket = case when s.overdue then c.bucket else null end
     from (select coalesce(sum(principal_due - principal_paid), 0) as principal, count(*)::int as n, coalesce(sum(outstanding), 0) as outstanding,
             bool_or(outstanding > 0 and due_date < ?::date) as overdue
           from installments where credit_id = ?) s
     where c.id = ? returning c.status`,
    [installmentAmount, statusIfOpen, asOf, asOf, creditId, creditId],
  );
  const status = rows[0]?.status;
  if (!status) throw new Error(`credit ${creditId} vanished inside its own transaction`);
  return status;
}

// ---- installments ----
export async function installmentsOfCredits(em: Em, creditIds: string[]): Promise<Installment[]> {
  const rows = await em.execute<(InstallmentRow & { minor_units: number; currency: string })[]>(
    `select ${INSTALLMENT_COLUMNS}, c.minor_units, trim(c.currency) as currency from installments i join credits c on c.id = i.credit_id
     where i.credit_id = any(${UUID_ARRAY_PARAM}) order by i.credit_id, i.number`,
    [jsonParam(creditIds)],
  );
  return rows.map(toInstallment);
}

/** Every installment of a credit as stored, in order (payments allocate over them). */
export async function installmentRows(em: Em, creditId: string): Promise<InstallmentRow[]> {
  return em.execute<InstallmentRow[]>(`select ${INSTALLMENT_COLUMNS} from installments i where i.credit_id = ? order by i.number`, [creditId]);
}

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

export async function deleteInstallments(em: Em, ids: string[]): Promise<void> {
  if (!ids.length) return;
  await em.execute(`delete from installments where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)]);
}

/** Puts back rows exactly as they were stored (a reversed prepayment's replaced installments). */
export async function restoreInstallments(em: Em, tenantId: string, creditId: string, rows: InstallmentRow[]): Promise<void> {
  if (!rows.length) return;
  await em.execute(
    `insert into installments (id, tenant_id, credit_id, number, due_date, principal_due, interest_due, fee_due, tax_due, penalty_due,
       principal_paid, interest_paid, fee_paid, tax_paid, penalty_paid, origin_payment_id, paid_at)
     select r.id, ?, ?, r.number, r.due_date, r.principal_due, r.interest_due, r.fee_due, r.tax_due, r.penalty_due,
       r.principal_paid, r.interest_paid, r.fee_paid, r.tax_paid, r.penalty_paid, r.origin_payment_id, r.paid_at
     from jsonb_to_recordset(?::jsonb) as r(id uuid, number int, due_date date, principal_due numeric, interest_due numeric, fee_due numeric, tax_due numeric, penalty_due numeric,
       principal_paid numeric, interest_paid numeric, fee_paid numeric, tax_paid numeric, penalty_paid numeric, origin_payment_id uuid, paid_at date)`,
    [tenantId, creditId, JSON.stringify(rows)],
  );
}

export async function deleteInstallmentsFromPayment(em: Em, creditId: string, paymentId: string): Promise<void> {
  await em.execute('delete from installments where credit_id = ? and origin_payment_id = ?', [creditId, paymentId]);
}
