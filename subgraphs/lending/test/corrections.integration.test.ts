/**
 * Issue 12, "Corrections to the schedule and the disclosures", through GraphQL on the real database
 * and bus: the tenant's business date follows its time zone (clock injected at a boundary instant),
 * the simulator's disbursement and first due dates, CAT with and without VAT, and the payoff quote
 * with the payoff payment that uses it.
 */
import crypto from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import { wireSubject } from '@imagy/platform/events';
import { waitFor } from '@imagy/platform/testing';
import { scheduleDelinquency } from '../src/delinquency/delinquency.service';
import { BOOK, PAY, publishedProduct, startHarness, TERMS, uuid, type Harness } from './harness';

/**
 * 2026-03-10 10:30 UTC: already 2026-03-11 (00:30) on Kiritimati (UTC+14), still 2026-03-09 (23:30)
 * in Pago Pago (UTC-11), 2026-03-10 (04:30) in Mexico City.
 */
const NOW = new Date('2026-03-10T10:30:00Z');

const SIMULATE = `query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { disbursementDate firstDueDate installment catWithoutVat catWithoutVatExact catWithVat catWithVatExact cat netDisbursed rows { number dueDate principal interest tax total } } userErrors { code field message } } }`;
const QUOTE = `query($creditId: ID!, $date: Date!) { payoffQuote(creditId: $creditId, date: $date) { quote { creditId currency date accruedFrom principal interestDue accruedInterest fee tax penalty total } userErrors { code field } } }`;
const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate } userErrors { code field } } }`;
const REVERSE = `mutation($input: ReversePaymentInput!) { reversePayment(input: $input) { credit { status numberOfInstallments schedule { number dueDate principalDue interestDue } } userErrors { code } } }`;

const cents = (s: string) => Math.round(Number(s) * 100);

describe('lending: business dates by time zone, simulator dates, CAT and payoff quotes', () => {
  let h: Harness;
  let east: string; // Pacific/Kiritimati
  let west: string; // Pacific/Pago_Pago
  let plain: string; // no time zone from identity: America/Mexico_City
  const clock = { now: NOW };

  beforeAll(async () => {
    h = await startHarness('lendfix', { now: () => clock.now });
    east = await h.tenant('fix-east', { timezone: 'Pacific/Kiritimati' });
    west = await h.tenant('fix-west', { timezone: 'Pacific/Pago_Pago' });
    plain = await h.tenant('fix-plain');
    for (const t of [east, west, plain]) await publishedProduct(h, t, 'PERSONAL');
  });
  afterAll(async () => { await h?.close(); });

  const simulate = (input: Record<string, unknown>) => h.call(SIMULATE, { input: { productCode: 'PERSONAL', amount: '12000.00', term: 12, ...input } });
  const book = async (tenantId: string, input: Record<string, unknown> = {}, productCode = 'PERSONAL') => {
    const staff = await h.token(tenantId, ['portfolio_manager']);
    const borrower = await h.user(tenantId);
    const products = await h.call(`{ creditProducts(first: 50) { edges { node { id code } } } }`, {}, staff);
    const productId = products.data.creditProducts.edges.find((e: any) => e.node.code === productCode).node.id;
    const r = await h.call(BOOK, { input: { productId, borrowerId: borrower, principal: '12000.00', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid(), ...input } }, staff);
    return { staff, borrower, r: r.data.bookCredit };
  };
  const pay = async (token: string, creditId: string, amount: string, paidAt: string) =>
    (await h.call(PAY, { input: { creditId, amount, paidAt, channel: 'SPEI', idempotencyKey: uuid() } }, token)).data.registerPayment;

  describe('the business date of a tenant follows its time zone', () => {
    test('the simulator defaults to each tenant\'s today at the boundary instant', async () => {
      const dates = async (slug: string) => (await simulate({ tenantSlug: slug })).data.simulateCredit.simulation;
      expect(await dates('fix-east')).toMatchObject({ disbursementDate: '2026-03-11', firstDueDate: '2026-04-11' });
      expect(await dates('fix-west')).toMatchObject({ disbursementDate: '2026-03-09', firstDueDate: '2026-04-09' });
      expect(await dates('fix-plain')).toMatchObject({ disbursementDate: '2026-03-10', firstDueDate: '2026-04-10' });
    });

    test('"today" in validation: a payment or a disbursement dated 2026-03-11 is accepted in Kiritimati only', async () => {
      const e = await book(east);
      const p = await book(plain);
      const w = await book(west);
      expect((await pay(e.staff, e.r.credit.id, '10.00', '2026-03-11')).userErrors).toEqual([]);
      const refused = await pay(p.staff, p.r.credit.id, '10.00', '2026-03-11');
      expect(refused.userErrors.map((x: any) => `${x.code}:${x.field}`)).toEqual(['INVALID_DATE:paidAt']);
      expect(refused.userErrors[0].message).toContain('2026-03-10');
      expect((await pay(w.staff, w.r.credit.id, '10.00', '2026-03-10')).userErrors.map((x: any) => x.code)).toEqual(['INVALID_DATE']);
      expect((await book(east, { disbursedAt: '2026-03-11' })).r.userErrors).toEqual([]);
      expect((await book(west, { disbursedAt: '2026-03-10' })).r.userErrors.map((x: any) => `${x.code}:${x.field}`)).toEqual(['INVALID_DATE:disbursedAt']);
    });

    test('runDelinquency without a date runs the tenant\'s business date; a later date is refused', async () => {
      const run = async (tenantId: string, input: Record<string, unknown> = {}) => (await h.call(RUN, { input }, await h.token(tenantId, ['portfolio_manager']))).data.runDelinquency;
      expect((await run(east)).runs.map((r: any) => r.businessDate)).toEqual(['2026-03-11']);
      expect((await run(west)).runs.map((r: any) => r.businessDate)).toEqual(['2026-03-09']);
      expect((await run(west, { businessDate: '2026-03-10' })).userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['INVALID_DATE:businessDate']);
    });

    test('the delinquency timer runs each active tenant on its own date', async () => {
      const stop = scheduleDelinquency(h.lending.services.delinquency, h.lending.services.directory, 3_600_000, { warn: () => undefined });
      try {
        await waitFor(async () => (await h.adminSql(`select 1 from lending.delinquency_runs where tenant_id = $1 and business_date = '2026-03-10'`, [plain])).length > 0, 15_000);
      } finally {
        stop();
      }
      const latest = async (t: string) => (await h.adminSql(`select max(business_date)::text as d from lending.delinquency_runs where tenant_id = $1`, [t]))[0].d;
      expect(await latest(east)).toBe('2026-03-11');
      expect(await latest(west)).toBe('2026-03-09');
      expect(await latest(plain)).toBe('2026-03-10');
    });

    test('identity.tenant.updated with a new time zone moves the tenant\'s business date', async () => {
      const tenantId = await h.tenant('fix-moving');
      await publishedProduct(h, tenantId, 'PERSONAL');
      expect((await simulate({ tenantSlug: 'fix-moving' })).data.simulateCredit.simulation.disbursementDate).toBe('2026-03-10');
      const envelope = h.bus.signer.sign({
        id: crypto.randomUUID(), subject: 'identity.tenant.updated', tenantId, occurredAt: new Date(Date.now() + 1000).toISOString(),
        actor: { kind: 'system', userId: null }, requestId: null,
        data: { tenantId, slug: 'fix-moving', changes: ['timezone'], status: 'ACTIVE', hostnames: ['fix-moving.example.test'], timezone: 'Pacific/Kiritimati' }, schemaVersion: 1,
      });
      await jetstream(h.bus.nc).publish(wireSubject(h.bus.ns, envelope.subject), JSON.stringify(envelope), { msgID: envelope.id });
      await waitFor(async () => (await h.adminSql(`select 1 from lending.tenants where id = $1 and timezone = 'Pacific/Kiritimati'`, [tenantId])).length > 0, 15_000);
      expect((await simulate({ tenantSlug: 'fix-moving' })).data.simulateCredit.simulation.disbursementDate).toBe('2026-03-11');
    });
  });

  describe('simulator dates', () => {
    test('a given disbursement and first due date give that schedule, the same every time', async () => {
      const input = { tenantSlug: 'fix-plain', disbursementDate: '2026-06-30', firstDueDate: '2026-08-15' };
      const a = (await simulate(input)).data.simulateCredit;
      expect(a.userErrors).toEqual([]);
      expect(a.simulation).toMatchObject({ disbursementDate: '2026-06-30', firstDueDate: '2026-08-15' });
      expect(a.simulation.rows.slice(0, 3).map((r: any) => r.dueDate)).toEqual(['2026-08-15', '2026-09-15', '2026-10-15']);
      // 30E/360 from Jun 30 to Aug 15 = 45 days: 12000 x 12 % x 45 / 360 = 180.00
      expect(a.simulation.rows[0].interest).toBe('180.00');
      clock.now = new Date('2026-04-01T12:00:00Z');
      try {
        expect((await simulate(input)).data.simulateCredit).toEqual(a);
      } finally {
        clock.now = NOW;
      }
      const plainDefault = (await simulate({ tenantSlug: 'fix-plain' })).data.simulateCredit.simulation;
      expect(plainDefault.rows[0].interest).toBe('120.00');
    });

    test('absurd or inconsistent dates are userErrors naming the field', async () => {
      const codes = async (input: Record<string, unknown>) => (await simulate({ tenantSlug: 'fix-plain', ...input })).data.simulateCredit.userErrors.map((e: any) => `${e.code}:${e.field}`);
      expect(await codes({ disbursementDate: '2999-12-31' })).toEqual(['INVALID_DATE:disbursementDate']);
      expect(await codes({ disbursementDate: '1900-01-01' })).toEqual(['INVALID_DATE:disbursementDate']);
      expect(await codes({ disbursementDate: '2027-03-12' })).toEqual(['INVALID_DATE:disbursementDate']);
      expect(await codes({ disbursementDate: '2027-03-11' })).toEqual([]);
      expect(await codes({ disbursementDate: '2026-06-30', firstDueDate: '2026-06-30' })).toEqual(['INVALID_DATE:firstDueDate']);
      expect(await codes({ disbursementDate: '2026-06-30', firstDueDate: '2026-09-29' })).toEqual(['INVALID_DATE:firstDueDate']);
      expect(await codes({ disbursementDate: '2026-06-30', firstDueDate: '2026-09-28' })).toEqual([]);
      expect(await codes({ disbursementDate: '2999-01-01', firstDueDate: '1999-01-01', amount: '1' })).toEqual(expect.arrayContaining(['INVALID_DATE:disbursementDate', 'INVALID_DATE:firstDueDate', 'AMOUNT_OUT_OF_RANGE:amount']));
      const bad = await h.call(SIMULATE, { input: { tenantSlug: 'fix-plain', productCode: 'PERSONAL', amount: '12000', term: 12, disbursementDate: '2026-02-30' } });
      expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    });
  });

  describe('CAT', () => {
    test('sin IVA (Banxico basis) and with IVA: 24 %, 2 % opening fee + 16 % VAT, VAT on interest', async () => {
      await publishedProduct(h, plain, 'IVA', {
        ...TERMS, annualNominalRate: '24', interestTaxRate: '16', fees: [{ code: 'APERTURA', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }],
      });
      const s = (await h.call(SIMULATE, { input: { tenantSlug: 'fix-plain', productCode: 'IVA', amount: '10000', term: 12, disbursementDate: '2026-01-15' } })).data.simulateCredit.simulation;
      // Same figures as loan-math's cat-and-accrual.test.ts (checked there against an independent IRR).
      expect(s).toMatchObject({ netDisbursed: '9768.00', catWithoutVat: '31.8', catWithVat: '37.8', cat: '37.8' });
      expect(s.catWithoutVatExact).toBe('31.844416');
      expect(s.catWithVatExact).toBe('37.831119');
    });

    test('without any VAT the two figures are the same: 12 % a year, 12 months', async () => {
      const s = (await simulate({ tenantSlug: 'fix-plain', disbursementDate: '2026-01-15' })).data.simulateCredit.simulation;
      expect(s.catWithoutVat).toBe('12.7');
      expect(s.catWithVat).toBe('12.7');
    });
  });

  describe('payoff quote', () => {
    test('accrued interest since the last due date plus everything open; paying exactly the quote pays the credit off', async () => {
      const { staff, borrower, r } = await book(plain, {}, 'IVA');
      const credit = r.credit;
      // Ten days after disbursement (30E/360): 12000 x 24 % x 10 / 360 = 80.00, its VAT 12.80.
      const q = (await h.call(QUOTE, { creditId: credit.id, date: '2025-01-25' }, staff)).data.payoffQuote;
      expect(q.userErrors).toEqual([]);
      expect(q.quote).toEqual({
        creditId: credit.id, currency: 'MXN', date: '2025-01-25', accruedFrom: '2025-01-15', principal: '12000.00', interestDue: '0.00',
        accruedInterest: '80.00', fee: '0.00', tax: '12.80', penalty: '0.00', total: '12092.80',
      });
      // The borrower may ask for their own quote, another borrower may not.
      const own = await h.call(QUOTE, { creditId: credit.id, date: '2025-01-25' }, await h.token(plain, ['borrower'], borrower));
      expect(own.data.payoffQuote.quote.total).toBe('12092.80');
      const stranger = await h.call(QUOTE, { creditId: credit.id, date: '2025-01-25' }, await h.token(plain, ['borrower'], uuid()));
      expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');

      expect((await pay(staff, credit.id, '12092.81', '2025-01-25')).userErrors.map((e: any) => e.code)).toEqual(['AMOUNT_EXCEEDS_PAYOFF']);
      expect((await pay(staff, credit.id, '12000.00', '2025-01-25')).userErrors.map((e: any) => e.code)).toEqual(['PAYOFF_AMOUNT_REQUIRED']);
      const paid = await pay(staff, credit.id, '12092.80', '2025-01-25');
      expect(paid.userErrors).toEqual([]);
      expect(paid.payment).toMatchObject({ amount: '12092.80', principal: '12000.00', interest: '80.00', tax: '12.80', prepaidPrincipal: '12000.00' });
      expect(paid.credit).toMatchObject({ status: 'PAID_OFF', numberOfInstallments: 1, outstanding: { principal: '0.00', total: '0.00' } });
      const events = await h.adminSql(`select subject from lending.outbox where envelope->'data'->>'creditId' = $1 order by created_at`, [credit.id]);
      expect(events.map((e) => e.subject)).toEqual(['lending.credit.disbursed', 'lending.payment.received', 'lending.credit.paid_off']);

      const after = (await h.call(QUOTE, { creditId: credit.id, date: '2025-01-26' }, staff)).data.payoffQuote;
      expect(after).toEqual({ quote: null, userErrors: [{ code: 'CREDIT_PAID_OFF', field: 'creditId' }] });

      // Reversing the payoff puts the 12 installments back.
      const reversed = (await h.call(REVERSE, { input: { paymentId: paid.payment.id, reason: 'bounced' } }, staff)).data.reversePayment;
      expect(reversed.userErrors).toEqual([]);
      expect(reversed.credit.status).toBe('ACTIVE');
      expect(reversed.credit.schedule.map((i: any) => [i.number, i.dueDate, i.principalDue, i.interestDue])).toEqual(credit.schedule.map((i: any) => [i.number, i.dueDate, i.principalDue, i.interestDue]));
    });

    test('with installments overdue: their open amounts plus the accrual on the principal not yet due', async () => {
      const { staff, r } = await book(plain);
      const s = r.credit.schedule;
      const q = (await h.call(QUOTE, { creditId: r.credit.id, date: '2025-03-25' }, staff)).data.payoffQuote.quote;
      const notYetDue = 1200000 - cents(s[0].principalDue) - cents(s[1].principalDue);
      expect(q.accruedFrom).toBe('2025-03-15');
      expect(q.principal).toBe('12000.00');
      expect(cents(q.interestDue)).toBe(cents(s[0].interestDue) + cents(s[1].interestDue));
      // 10 days of 30E/360 at 12 % a year on the principal not yet due.
      expect(cents(q.accruedInterest)).toBe(Math.round(notYetDue * 0.01 * 10 / 30));
      expect(cents(q.total)).toBe(1200000 + cents(q.interestDue) + cents(q.accruedInterest));
      const paid = await pay(staff, r.credit.id, q.total, '2025-03-25');
      expect(paid.userErrors).toEqual([]);
      expect(paid.credit).toMatchObject({ status: 'PAID_OFF', outstanding: { total: '0.00' } });
    });

    test('a date before the disbursement or before the last payment is a userError; another tenant\'s credit is NOT_FOUND', async () => {
      const { staff, r } = await book(plain);
      const codes = async (date: string) => (await h.call(QUOTE, { creditId: r.credit.id, date }, staff)).data.payoffQuote.userErrors.map((e: any) => `${e.code}:${e.field}`);
      expect(await codes('2025-01-14')).toEqual(['INVALID_DATE:date']);
      expect((await pay(staff, r.credit.id, '1066.19', '2025-02-15')).userErrors).toEqual([]);
      expect(await codes('2025-02-14')).toEqual(['PAID_AT_BEFORE_LAST_PAYMENT:date']);
      expect(await codes('2025-02-15')).toEqual([]);
      const foreign = await h.call(QUOTE, { creditId: r.credit.id, date: '2025-02-20' }, await h.token(east, ['tenant_admin']));
      expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      expect(foreign.data?.payoffQuote ?? null).toBeNull();
      const unknown = await h.call(QUOTE, { creditId: uuid(), date: '2025-02-20' }, staff);
      expect(unknown.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    });
  });
});
