/**
 * SQL of payments and their allocations (hand-written: a payment runs under the credit's row lock
 * and moves money on many installment rows in set-based statements; the idempotency key is a unique
 * index the service relies on). Every function runs on the `em` of the caller's tenant-scoped
 * transaction, so RLS applies.
 */
import { iso, jsonParam, UUID_ARRAY_PARAM, ymd, type Em } from '@imagy/platform/db';
import { fmt } from '../common/money';
import type { CreditStatus } from '../credits/credits.service';
import type { InstallmentRow } from '../credits/credits.store';
import type { Payment } from './payments.service';

/** What a prepayment replaced, kept on the payment so a reversal can put it back. */
export interface ReplacedInstallments { rows: InstallmentRow[]; installmentAmount: string; numberOfInstallments: number }

interface PaymentRow {
  id: string; credit_id: string; seq: number; amount: string; currency: string; paid_at: string; channel: string; external_reference: string | null;
  status: 'APPLIED' | 'REVERSED'; principal: string; interest: string; fee: string; tax: string; penalty: string; prepaid_principal: string;
  reversal_reason: string | null; reversed_at: string | null; created_at: string;
  request_hash: string; status_before: CreditStatus; replaced_installments: ReplacedInstallments | null; minor_units: number;
}

/** A stored payment with what a replay or a reversal needs besides the public fields. */
export interface StoredPayment { payment: Payment; requestHash: string; statusBefore: CreditStatus; replaced: ReplacedInstallments | null }

const PAYMENT_SELECT = `select p.id, p.credit_id, p.seq, p.amount::text as amount, trim(p.currency) as currency, ${ymd('p.paid_at')} as paid_at, p.channel, p.external_reference,
  p.status, p.principal::text as principal, p.interest::text as interest, p.fee::text as fee, p.tax::text as tax, p.penalty::text as penalty,
  p.prepaid_principal::text as prepaid_principal, p.reversal_reason, ${iso('p.reversed_at')} as reversed_at, ${iso('p.created_at')} as created_at,
  p.request_hash, p.status_before, p.replaced_installments, c.minor_units from payments p join credits c on c.id = p.credit_id`;

const toPayment = (r: PaymentRow): Payment => {
  const u = r.minor_units;
  return {
    id: r.id, creditId: r.credit_id, seq: r.seq, amount: fmt(r.amount, u), currency: r.currency, paidAt: r.paid_at, channel: r.channel, externalReference: r.external_reference,
    status: r.status, principal: fmt(r.principal, u), interest: fmt(r.interest, u), fee: fmt(r.fee, u), tax: fmt(r.tax, u), penalty: fmt(r.penalty, u),
    prepaidPrincipal: fmt(r.prepaid_principal, u), reversalReason: r.reversal_reason, reversedAt: r.reversed_at, createdAt: r.created_at,
  };
};
const toStored = (r: PaymentRow): StoredPayment => ({ payment: toPayment(r), requestHash: r.request_hash, statusBefore: r.status_before, replaced: r.replaced_installments });

export async function paymentsOfCredits(em: Em, creditIds: string[]): Promise<Payment[]> {
  return (await em.execute<PaymentRow[]>(`${PAYMENT_SELECT} where p.credit_id = any(${UUID_ARRAY_PARAM}) order by p.credit_id, p.seq`, [jsonParam(creditIds)])).map(toPayment);
}
export async function paymentById(em: Em, id: string): Promise<StoredPayment | null> {
  const rows = await em.execute<PaymentRow[]>(`${PAYMENT_SELECT} where p.id = ?`, [id]);
  return rows[0] ? toStored(rows[0]) : null;
}
export async function paymentByIdempotencyKey(em: Em, key: string): Promise<StoredPayment | null> {
  const rows = await em.execute<PaymentRow[]>(`${PAYMENT_SELECT} where p.idempotency_key = ?`, [key]);
  return rows[0] ? toStored(rows[0]) : null;
}
/** The credit a payment belongs to (to lock the credit before reading the payment). */
export async function creditIdOfPayment(em: Em, paymentId: string): Promise<string | null> {
  const rows = await em.execute<{ credit_id: string }[]>('select credit_id from payments where id = ?', [paymentId]);
  return rows[0]?.credit_id ?? null;
}

/** The highest sequence number of the credit's payments (0 if none) and the last applied payment's date. */
export async function paymentHistory(em: Em, creditId: string): Promise<{ lastSeq: number; lastAppliedPaidAt: string | null; latestAppliedId: string | null }> {
  const rows = await em.execute<{ seq: number; applied_at: string | null; latest_applied: string | null }[]>(
    `select coalesce(max(seq), 0)::int as seq, ${ymd("max(paid_at) filter (where status = 'APPLIED')")} as applied_at,
            (select id from payments where credit_id = ? and status = 'APPLIED' order by seq desc limit 1) as latest_applied
     from payments where credit_id = ?`,
    [creditId, creditId],
  );
  return { lastSeq: rows[0]?.seq ?? 0, lastAppliedPaidAt: rows[0]?.applied_at ?? null, latestAppliedId: rows[0]?.latest_applied ?? null };
}

export interface NewPayment {
  id: string; tenantId: string; creditId: string; seq: number; amount: string; currency: string; paidAt: string; channel: string; externalReference: string | null;
  idempotencyKey: string; requestHash: string; principal: string; interest: string; fee: string; tax: string; penalty: string; prepaidPrincipal: string;
  statusBefore: CreditStatus; replaced: ReplacedInstallments | null; createdBy: string | null;
}

export async function insertPayment(em: Em, p: NewPayment): Promise<void> {
  await em.execute(
    `insert into payments (id, tenant_id, credit_id, seq, amount, currency, paid_at, channel, external_reference, idempotency_key, request_hash,
       principal, interest, fee, tax, penalty, prepaid_principal, status_before, replaced_installments, created_by)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)`,
    [p.id, p.tenantId, p.creditId, p.seq, p.amount, p.currency, p.paidAt, p.channel, p.externalReference, p.idempotencyKey, p.requestHash,
      p.principal, p.interest, p.fee, p.tax, p.penalty, p.prepaidPrincipal, p.statusBefore, p.replaced ? JSON.stringify(p.replaced) : null, p.createdBy],
  );
}

/** One installment's share of a payment, per component (decimal strings). */
export interface AllocationLine { number: number; principal: string; interest: string; fee: string; tax: string; penalty: string }

/**
 * Records what the payment paid on each installment and adds it to the installments' paid columns;
 * an installment whose outstanding reaches zero gets `paid_at`.
 */
export async function applyAllocations(em: Em, tenantId: string, creditId: string, paymentId: string, paidAt: string, lines: AllocationLine[]): Promise<void> {
  if (!lines.length) return;
  await em.execute(
    `insert into payment_allocations (payment_id, installment_number, tenant_id, principal, interest, fee, tax, penalty)
     select ?, a.number, ?, a.principal, a.interest, a.fee, a.tax, a.penalty from jsonb_to_recordset(?::jsonb) as a(number int, principal numeric, interest numeric, fee numeric, tax numeric, penalty numeric)`,
    [paymentId, tenantId, JSON.stringify(lines)],
  );
  await em.execute(
    `update installments i set principal_paid = i.principal_paid + a.principal, interest_paid = i.interest_paid + a.interest, fee_paid = i.fee_paid + a.fee,
       tax_paid = i.tax_paid + a.tax, penalty_paid = i.penalty_paid + a.penalty,
       paid_at = case when i.outstanding - (a.principal + a.interest + a.fee + a.tax + a.penalty) = 0 then ?::date else i.paid_at end
     from payment_allocations a where a.payment_id = ? and i.credit_id = ? and i.number = a.installment_number`,
    [paidAt, paymentId, creditId],
  );
}

/** Subtracts exactly what the payment had paid on each installment (they are open again). */
export async function undoAllocations(em: Em, creditId: string, paymentId: string): Promise<void> {
  await em.execute(
    `update installments i set principal_paid = i.principal_paid - a.principal, interest_paid = i.interest_paid - a.interest, fee_paid = i.fee_paid - a.fee,
       tax_paid = i.tax_paid - a.tax, penalty_paid = i.penalty_paid - a.penalty, paid_at = null
     from payment_allocations a where a.payment_id = ? and i.credit_id = ? and i.number = a.installment_number`,
    [paymentId, creditId],
  );
}

export async function markReversed(em: Em, paymentId: string, reason: string, userId: string): Promise<void> {
  await em.execute(`update payments set status = 'REVERSED', reversal_reason = ?, reversed_at = clock_timestamp(), reversed_by = ? where id = ?`, [reason, userId, paymentId]);
}
