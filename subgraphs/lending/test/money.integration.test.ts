/**
 * Every money amount lending answers is at its currency's minor unit and comes with its currency
 * (hardening: runDelinquency's penaltyTotal came back as "10.5200" or "0"). Checked with a
 * 0-decimal (CLP), a 2-decimal (USD) and a 4-decimal (CLF) currency in one tenant.
 */
import { Client } from 'pg';
import { createSubgraphOrm } from '@imagy/platform/db';
import { createTestDb } from '@imagy/platform/testing';
import { lendingMigrations } from '../migrations';
import { BOOK, PAY, publishedProduct, startHarness, TERMS, uuid, type Harness } from './harness';

const RUN = `mutation($input: RunDelinquencyInput!) { runDelinquency(input: $input) { runs { businessDate penaltiesBooked penaltyTotals { currency amount } alreadyRun } userErrors { code field } } }`;
const CREDIT = `query($id: ID!) { credit(id: $id) { currency principal installmentAmount
  outstanding { currency principal interest fee tax penalty total }
  schedule { currency principalDue interestDue feeDue taxDue penaltyDue principalPaid interestPaid totalDue totalPaid outstanding }
  payments { currency amount principal interest fee tax penalty prepaidPrincipal } } }`;
const TERMS_Q = `query($id: ID!) { creditProduct(id: $id) { currency versions { terms { currency minAmount maxAmount installmentMultipleOf fees { kind value } } } } }`;

/** Every Decimal leaf of a credit, with its currency's decimals. */
function amountsOf(credit: any): string[] {
  const out: string[] = [credit.principal, credit.installmentAmount, ...Object.entries(credit.outstanding).filter(([k]) => k !== 'currency').map(([, v]) => v as string)];
  for (const i of credit.schedule) out.push(...Object.entries(i).filter(([k]) => k !== 'currency').map(([, v]) => v as string));
  for (const p of credit.payments) out.push(...Object.entries(p).filter(([k]) => k !== 'currency').map(([, v]) => v as string));
  return out;
}

describe('lending money: minor units and currency on every amount', () => {
  let h: Harness;
  let tenant: string;
  let mgr: string;
  let clp: { productId: string };
  let usd: { productId: string };
  const penalty = { latePenalty: { kind: 'DAILY_RATE', rate: '0.1', graceDays: 0 } };

  beforeAll(async () => {
    h = await startHarness('lendmoney');
    tenant = await h.tenant('money');
    mgr = await h.token(tenant, ['portfolio_manager', 'tenant_admin']);
    clp = await publishedProduct(h, tenant, 'PESOS', { ...TERMS, minAmount: '100000', maxAmount: '10000000', installmentMultipleOf: '10', fees: [{ code: 'FIXED_FEE', kind: 'FIXED', value: '500', charge: 'UPFRONT' }], ...penalty }, 'CLP');
    usd = await publishedProduct(h, tenant, 'DOLLARS', { ...TERMS, minAmount: '1000', maxAmount: '100000', fees: [{ code: 'FIXED_FEE', kind: 'FIXED', value: '5', charge: 'UPFRONT' }], ...penalty }, 'USD');
  });
  afterAll(async () => { await h?.close(); });

  test('product terms carry their currency and amounts at its minor unit', async () => {
    const p1 = await h.call(TERMS_Q, { id: clp.productId }, mgr);
    expect(p1.errors).toBeUndefined();
    expect(p1.data.creditProduct.versions[0].terms).toEqual({ currency: 'CLP', minAmount: '100000', maxAmount: '10000000', installmentMultipleOf: '10', fees: [{ kind: 'FIXED', value: '500' }] });
    const p2 = await h.call(TERMS_Q, { id: usd.productId }, mgr);
    expect(p2.data.creditProduct.versions[0].terms).toEqual({ currency: 'USD', minAmount: '1000.00', maxAmount: '100000.00', installmentMultipleOf: null, fees: [{ kind: 'FIXED', value: '5.00' }] });
    // Versions stored before amounts were kept at minor units hold e.g. "1000": the API still answers "1000.00".
    const draft = await h.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id } userErrors { code } } }`, { input: { productId: usd.productId } }, mgr);
    const draftId = draft.data.createDraftVersion.version.id;
    await h.adminSql(`update lending.product_versions set terms = jsonb_set(jsonb_set(terms, '{minAmount}', '"1000"'), '{fees,0,value}', '"5"') where id = $1`, [draftId]);
    const old = await h.call(`query($id: ID!) { creditProduct(id: $id) { versions { id terms { minAmount fees { value } } } } }`, { id: usd.productId }, mgr);
    expect(old.data.creditProduct.versions.find((v: any) => v.id === draftId).terms).toEqual({ minAmount: '1000.00', fees: [{ value: '5.00' }] });
  });

  test('the simulator answers a 4-decimal currency with 4 decimals everywhere, rows and totals with their currency', async () => {
    await publishedProduct(h, tenant, 'UF', { ...TERMS, minAmount: '10.5', maxAmount: '5000' }, 'CLF');
    const cfg = await h.call(`{ simulatorConfig(productCode: "UF", tenantSlug: "money") { currency minAmount maxAmount amountStep } }`);
    expect(cfg.data.simulatorConfig).toEqual({ currency: 'CLF', minAmount: '10.5000', maxAmount: '5000.0000', amountStep: '0.0001' });
    const sim = await h.call(`query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { currency amount installment netDisbursed financedAmount
      rows { currency principal interest fee tax total balance } totals { currency principal interest fees taxes totalCost totalPayable } } userErrors { code } } }`,
    { input: { tenantSlug: 'money', productCode: 'UF', amount: '100', term: 12 } });
    expect(sim.errors).toBeUndefined();
    const s = sim.data.simulateCredit.simulation;
    expect(s).toMatchObject({ currency: 'CLF', amount: '100.0000', installment: '8.8849' });
    const leaves = [s.amount, s.installment, s.netDisbursed, s.financedAmount, ...s.rows.flatMap((r: any) => [r.principal, r.interest, r.fee, r.tax, r.total, r.balance]),
      s.totals.principal, s.totals.interest, s.totals.fees, s.totals.taxes, s.totals.totalCost, s.totals.totalPayable];
    expect(leaves.filter((v: string) => !/^\d+\.\d{4}$/.test(v))).toEqual([]);
    expect(new Set([...s.rows.map((r: any) => r.currency), s.totals.currency])).toEqual(new Set(['CLF']));
  });

  test('delinquency reports penalties per currency at each minor unit; a date without penalties reports none', async () => {
    const empty = await h.tenant('money-empty');
    const none = await h.call(RUN, { input: { businessDate: '2025-02-16' } }, await h.token(empty, ['portfolio_manager']));
    expect(none.data.runDelinquency).toEqual({ runs: [{ businessDate: '2025-02-16', penaltiesBooked: 0, penaltyTotals: [], alreadyRun: false }], userErrors: [] });

    const pesos = await h.call(BOOK, { input: { productId: clp.productId, borrowerId: await h.user(tenant), principal: '1200000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, mgr);
    expect(pesos.data.bookCredit.userErrors).toEqual([]);
    const dollars = await h.call(BOOK, { input: { productId: usd.productId, borrowerId: await h.user(tenant), principal: '12000', term: 12, disbursedAt: '2025-01-15', idempotencyKey: uuid() } }, mgr);
    expect(dollars.data.bookCredit.userErrors).toEqual([]);
    const run = await h.call(RUN, { input: { businessDate: '2025-02-16' } }, mgr);
    expect(run.errors).toBeUndefined();
    // Installment 1 is 106620 CLP (multiple of 10) and 1066.19 USD; 0.1 % of each, HALF_EVEN at the minor unit.
    expect(run.data.runDelinquency.runs).toEqual([{ businessDate: '2025-02-16', penaltiesBooked: 2, penaltyTotals: [{ currency: 'CLP', amount: '107' }, { currency: 'USD', amount: '1.07' }], alreadyRun: false }]);
    const replay = await h.call(RUN, { input: { businessDate: '2025-02-16' } }, mgr);
    expect(replay.data.runDelinquency.runs).toEqual([{ businessDate: '2025-02-16', penaltiesBooked: 2, penaltyTotals: [{ currency: 'CLP', amount: '107' }, { currency: 'USD', amount: '1.07' }], alreadyRun: true }]);
    const stored = await h.adminSql(`select penalty_totals from lending.delinquency_runs where tenant_id = $1`, [tenant]);
    expect(stored).toEqual([{ penalty_totals: [{ currency: 'CLP', amount: '107' }, { currency: 'USD', amount: '1.07' }] }]);

    const paid = await h.call(PAY, { input: { creditId: pesos.data.bookCredit.credit.id, amount: '50000', paidAt: '2025-02-16', channel: 'CASH', idempotencyKey: uuid() } }, mgr);
    expect(paid.data.registerPayment.userErrors).toEqual([]);
    expect(paid.data.registerPayment.payment).toMatchObject({ amount: '50000', penalty: '107', prepaidPrincipal: '0' });

    const c1 = (await h.call(CREDIT, { id: pesos.data.bookCredit.credit.id }, mgr)).data.credit;
    expect(c1.currency).toBe('CLP');
    expect(new Set([c1.outstanding.currency, ...c1.schedule.map((i: any) => i.currency), ...c1.payments.map((p: any) => p.currency)])).toEqual(new Set(['CLP']));
    expect(amountsOf(c1).filter((v) => !/^\d+$/.test(v))).toEqual([]);
    const c2 = (await h.call(CREDIT, { id: dollars.data.bookCredit.credit.id }, mgr)).data.credit;
    expect(c2.outstanding).toMatchObject({ currency: 'USD', penalty: '1.07' });
    expect(amountsOf(c2).filter((v) => !/^\d+\.\d{2}$/.test(v))).toEqual([]);

    const totals = await h.call(`{ credits { totals { outstandingPrincipal { currency amount } } } }`, {}, mgr);
    expect(totals.data.credits.totals.outstandingPrincipal.map((t: any) => t.currency)).toEqual(['CLP', 'USD']);
    expect(totals.data.credits.totals.outstandingPrincipal[0].amount).toMatch(/^\d+$/);
    expect(totals.data.credits.totals.outstandingPrincipal[1].amount).toBe('12000.00');
  });
});

describe('migration PenaltyTotals', () => {
  test('runs booked before it get their penalties per currency from the penalty charges, every tenant alike', async () => {
    const db = await createTestDb('lendmig');
    try {
      const before = lendingMigrations.slice(0, lendingMigrations.findIndex((m) => m.name === 'Migration20260701000000PenaltyTotals'));
      await (await createSubgraphOrm({ adminUrl: db.adminUrl, schema: 'lending', migrations: before })).close(true);
      const admin = new Client({ connectionString: db.adminUrl });
      await admin.connect();
      try {
        for (const [tenant, currency, units, amounts] of [[uuid(), 'CLP', 0, ['107', '53']], [uuid(), 'MXN', 2, ['1.07', '0.50']]] as const) {
          const [product, version, credit] = [uuid(), uuid(), uuid()];
          await admin.query(`insert into lending.credit_products (id, tenant_id, code, name, currency) values ($1, $2, 'P', 'P', $3)`, [product, tenant, currency]);
          await admin.query(`insert into lending.product_versions (id, tenant_id, product_id, number, terms) values ($1, $2, $3, 1, '{}')`, [version, tenant, product]);
          await admin.query(`insert into lending.credits (id, tenant_id, product_id, version_id, borrower_id, currency, minor_units, principal, number_of_installments, installment_amount, disbursed_at, terms, source, principal_outstanding)
            values ($1, $2, $3, $4, $5, $6, $7, 1000, 2, 500, '2025-01-15', '{}', 'BOOKED', 1000)`, [credit, tenant, product, version, uuid(), currency, units]);
          await admin.query(`insert into lending.delinquency_runs (tenant_id, business_date, penalties_booked, penalty_total) values ($1, '2025-03-01', 2, 0)`, [tenant]);
          for (const [n, amount] of amounts.entries()) {
            const installment = uuid();
            await admin.query(`insert into lending.installments (id, tenant_id, credit_id, number, due_date, principal_due, interest_due, fee_due, tax_due) values ($1, $2, $3, $4, '2025-02-15', 500, 0, 0, 0)`, [installment, tenant, credit, n + 1]);
            await admin.query(`insert into lending.penalty_charges (tenant_id, installment_id, business_date, amount) values ($1, $2, '2025-03-01', $3)`, [tenant, installment, amount]);
          }
        }
        await (await createSubgraphOrm({ adminUrl: db.adminUrl, schema: 'lending', migrations: lendingMigrations })).close(true);
        const rows = await admin.query(`select penalty_totals from lending.delinquency_runs order by penalty_totals->0->>'currency'`);
        expect(rows.rows).toEqual([{ penalty_totals: [{ currency: 'CLP', amount: '160' }] }, { penalty_totals: [{ currency: 'MXN', amount: '1.57' }] }]);
        const forced = await admin.query(`select relname from pg_class where relnamespace = 'lending'::regnamespace and relname in ('delinquency_runs', 'penalty_charges', 'installments', 'credits') and relforcerowsecurity order by 1`);
        expect(forced.rows.map((r) => r.relname)).toEqual(['credits', 'delinquency_runs', 'installments', 'penalty_charges']);
      } finally { await admin.end(); }
    } finally { await db.drop(); }
  });
});
