import Decimal from 'decimal.js';
import fc from 'fast-check';
import { generateSchedule, LoanTerms, minorUnits, rescheduleAfterPrepayment } from './index';

const CURRENCIES = ['MXN', 'USD', 'CLP', 'COP', 'PEN', 'BRL'] as const;
const FREQUENCIES = ['MONTHLY', 'BIWEEKLY', 'WEEKLY'] as const;
const METHODS = ['DECLINING_EQUAL_INSTALLMENTS', 'DECLINING_EQUAL_PRINCIPAL', 'FLAT'] as const;
const DAY_COUNTS = ['THIRTY_360', 'ACTUAL_365', 'ACTUAL_ACTUAL'] as const;

/**
 * Fixed seed so CI is reproducible; set FC_SEED / FC_RUNS to explore more cases, e.g.
 * FC_SEED=$RANDOM FC_RUNS=2000 npx jest subgraphs/lending/src/loan-math/schedule.property.test.ts
 */
const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : 20240115;
const RUNS = process.env.FC_RUNS ? Number(process.env.FC_RUNS) : 80;
const SEED_OPTIONS = { numRuns: RUNS, seed: SEED };

/** An amount with the currency's decimals: 1,000.00 to 1,000,000.00 (or 100,000 to 100,000,000 whole CLP). */
function amountIn(currency: string, minorAmount: number): string {
  const digits = minorUnits(currency);
  return new Decimal(minorAmount).div(new Decimal(10).pow(digits)).toFixed(digits);
}

/** Rate in percent with two decimals, from basis points. */
const ratePercent = (basisPoints: number) => new Decimal(basisPoints).div(100).toFixed(2);

const isoDate = fc
  .integer({ min: Date.UTC(2020, 0, 1) / 86_400_000, max: Date.UTC(2030, 11, 31) / 86_400_000 })
  .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

interface TermsOptions {
  grace?: boolean;
  fees?: boolean;
  multiple?: boolean;
  dayCounts?: readonly (typeof DAY_COUNTS)[number][];
  methods?: readonly (typeof METHODS)[number][];
  maxRateBp?: number;
}

function termsArb(options: TermsOptions = {}): fc.Arbitrary<LoanTerms> {
  return fc
    .record({
      currency: fc.constantFrom(...CURRENCIES),
      minorAmount: fc.integer({ min: 100_000, max: 100_000_000 }),
      n: fc.integer({ min: 1, max: 48 }),
      frequency: fc.constantFrom(...FREQUENCIES),
      method: fc.constantFrom(...(options.methods ?? METHODS)),
      rateBp: fc.integer({ min: 0, max: options.maxRateBp ?? 8000 }),
      dayCount: fc.constantFrom(...(options.dayCounts ?? DAY_COUNTS)),
      disbursementDate: isoDate,
      graceP: options.grace ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
      graceI: options.grace ? fc.integer({ min: 0, max: 3 }) : fc.constant(0),
      multiple: options.multiple ? fc.constantFrom(undefined, '1', '10') : fc.constant(undefined),
      upfrontBp: options.fees ? fc.integer({ min: 0, max: 500 }) : fc.constant(0),
      financedBp: options.fees ? fc.integer({ min: 0, max: 300 }) : fc.constant(0),
      perInstallment: options.fees ? fc.boolean() : fc.constant(false),
      taxBp: options.fees ? fc.constantFrom(0, 1600, 1800) : fc.constant(0),
    })
    .map((g): LoanTerms => {
      const fees: LoanTerms['fees'] = [];
      if (g.upfrontBp > 0) fees.push({ code: 'OPENING', kind: 'PERCENTAGE', value: ratePercent(g.upfrontBp), charge: 'UPFRONT', taxRate: ratePercent(g.taxBp) });
      if (g.financedBp > 0) fees.push({ code: 'INSURANCE', kind: 'PERCENTAGE', value: ratePercent(g.financedBp), charge: 'FINANCED' });
      if (g.perInstallment) fees.push({ code: 'ADMIN', kind: 'FIXED', value: amountIn(g.currency, 1500), charge: 'PER_INSTALLMENT', taxRate: ratePercent(g.taxBp) });
      return {
        principal: amountIn(g.currency, g.minorAmount),
        currency: g.currency,
        numberOfInstallments: g.n,
        frequency: g.frequency,
        interestMethod: g.method,
        annualNominalRate: ratePercent(g.rateBp),
        dayCount: g.dayCount,
        disbursementDate: g.disbursementDate,
        graceOnPrincipal: Math.min(g.graceP, g.n - 1),
        graceOnInterest: Math.min(g.graceI, g.n - 1),
        installmentMultipleOf: g.multiple,
        fees,
        interestTaxRate: g.taxBp > 0 ? ratePercent(g.taxBp) : undefined,
      };
    });
}

const total = (values: Decimal[]) => values.reduce((acc, v) => acc.plus(v), new Decimal(0));

describe('schedule properties', () => {
  it('amortises exactly the financed amount: principal parts add up to it and the balance never goes negative and ends at zero', () => {
    fc.assert(
      fc.property(termsArb({ grace: true, fees: true, multiple: true }), (terms) => {
        const s = generateSchedule(terms);
        expect(s.rows).toHaveLength(terms.numberOfInstallments);
        expect(total(s.rows.map((r) => r.principal)).eq(s.financedAmount)).toBe(true);
        let opening = s.financedAmount;
        for (const row of s.rows) {
          expect(row.balance.isNegative()).toBe(false);
          expect(row.principal.isNegative()).toBe(false);
          expect(row.interest.isNegative()).toBe(false);
          expect(row.balance.eq(opening.minus(row.principal))).toBe(true);
          opening = row.balance;
        }
        expect(s.rows[s.rows.length - 1].balance.isZero()).toBe(true);
      }),
      SEED_OPTIONS,
    );
  });

  it('keeps every amount at the currency minor unit', () => {
    fc.assert(
      fc.property(termsArb({ grace: true, fees: true, multiple: true }), (terms) => {
        const digits = minorUnits(terms.currency);
        const s = generateSchedule(terms);
        for (const row of s.rows) {
          for (const v of [row.principal, row.interest, row.fee, row.tax, row.total, row.balance]) {
            expect(v.decimalPlaces()).toBeLessThanOrEqual(digits);
          }
        }
      }),
      SEED_OPTIONS,
    );
  });

  it('reports totals equal to the sums of the rows plus the upfront and financed charges', () => {
    fc.assert(
      fc.property(termsArb({ grace: true, fees: true, multiple: true }), (terms) => {
        const s = generateSchedule(terms);
        const rows = s.rows;
        expect(s.totals.principal.eq(total(rows.map((r) => r.principal)))).toBe(true);
        expect(s.totals.interest.eq(total(rows.map((r) => r.interest)))).toBe(true);
        expect(s.totals.totalPayable.eq(total(rows.map((r) => r.total)))).toBe(true);
        expect(s.totals.fees.eq(total(rows.map((r) => r.fee)).plus(s.upfrontFees).plus(s.financedFees))).toBe(true);
        expect(s.totals.totalCost.eq(s.totals.totalPayable.minus(s.netDisbursed))).toBe(true);
        expect(s.totals.totalCost.eq(s.totals.interest.plus(s.totals.fees).plus(s.totals.taxes))).toBe(true);
        for (const row of rows) expect(row.total.eq(row.principal.plus(row.interest).plus(row.fee).plus(row.tax))).toBe(true);
      }),
      SEED_OPTIONS,
    );
  });

  it('charges equal installments in every row but the last when there is no grace and no per-installment charge', () => {
    // A multiple coarse next to the installment (10 on a 27.00 installment) cannot keep rows equal; keep it under a tenth of the principal share.
    const smallMultiple = (t: LoanTerms) =>
      t.installmentMultipleOf === undefined ||
      new Decimal(t.installmentMultipleOf.toString()).mul(t.numberOfInstallments).mul(10).lte(t.principal.toString());
    fc.assert(
      fc.property(
        termsArb({ methods: ['DECLINING_EQUAL_INSTALLMENTS'], multiple: true, maxRateBp: 6000 }).filter(smallMultiple),
        (terms) => {
          const s = generateSchedule(terms);
          for (const row of s.rows.slice(0, -1)) expect(row.total.eq(s.installment)).toBe(true);
        },
      ),
      SEED_OPTIONS,
    );
  });

  it('never costs more interest at a lower rate', () => {
    fc.assert(
      fc.property(
        termsArb({ grace: true, fees: true }),
        fc.integer({ min: 0, max: 6000 }),
        fc.integer({ min: 25, max: 2000 }),
        (terms, lowBp, gapBp) => {
          const low = generateSchedule({ ...terms, annualNominalRate: ratePercent(lowBp) });
          const high = generateSchedule({ ...terms, annualNominalRate: ratePercent(lowBp + gapBp) });
          expect(low.totals.interest.lte(high.totals.interest)).toBe(true);
          expect(low.totals.totalCost.lte(high.totals.totalCost)).toBe(true);
        },
      ),
      SEED_OPTIONS,
    );
  });

  it('gives a CAT at least the nominal-based effective rate when upfront fees are charged (30/360, no interest grace)', () => {
    fc.assert(
      fc.property(
        termsArb({ dayCounts: ['THIRTY_360'], fees: true }),
        fc.integer({ min: 50, max: 500 }),
        (terms, upfrontBp) => {
          const fees = [
            ...(terms.fees ?? []).filter((f) => f.charge !== 'UPFRONT'),
            { code: 'OPENING', kind: 'PERCENTAGE' as const, value: ratePercent(upfrontBp), charge: 'UPFRONT' as const },
          ];
          const s = generateSchedule({ ...terms, fees });
          expect(s.cat.exactPercent.gte(s.effectiveAnnualRate)).toBe(true);
        },
      ),
      SEED_OPTIONS,
    );
  });

  it('produces the same schedule for the same terms', () => {
    fc.assert(
      fc.property(termsArb({ grace: true, fees: true, multiple: true }), (terms) => {
        expect(JSON.stringify(generateSchedule(terms))).toBe(JSON.stringify(generateSchedule(terms)));
      }),
      { numRuns: Math.min(RUNS, 20), seed: SEED + 7 },
    );
  });
});

describe('prepayment rescheduling properties', () => {
  const prepaymentCase = fc
    .tuple(termsArb({ fees: true }), fc.integer({ min: 0, max: 47 }), fc.integer({ min: 1, max: 9 }))
    .filter(([terms, paid]) => paid < terms.numberOfInstallments)
    .map(([terms, paid, tenths]) => {
      const s = generateSchedule(terms);
      const opening = paid === 0 ? s.financedAmount : s.rows[paid - 1].balance;
      const digits = minorUnits(terms.currency);
      const remaining = opening.mul(tenths).div(10).toDecimalPlaces(digits, Decimal.ROUND_DOWN);
      return { terms, paid, remaining, schedule: s };
    })
    .filter(({ remaining }) => remaining.gt(0));

  it('amortises exactly the remaining principal under both rules, never lengthening the loan', () => {
    fc.assert(
      fc.property(prepaymentCase, ({ terms, paid, remaining, schedule }) => {
        const nextDueDate = schedule.rows[paid].dueDate;
        for (const rule of ['REDUCE_TERM', 'REDUCE_INSTALLMENT'] as const) {
          const r = rescheduleAfterPrepayment({ terms, remainingPrincipal: remaining.toString(), paidInstallments: paid, nextDueDate, rule });
          expect(total(r.rows.map((row) => row.principal)).eq(remaining)).toBe(true);
          expect(r.rows[r.rows.length - 1].balance.isZero()).toBe(true);
          expect(r.rows.every((row) => !row.balance.isNegative() && !row.principal.isNegative())).toBe(true);
          expect(r.rows.length).toBeLessThanOrEqual(terms.numberOfInstallments - paid);
          expect(r.rows[0].number).toBe(paid + 1);
          if (rule === 'REDUCE_INSTALLMENT') expect(r.rows.length).toBe(terms.numberOfInstallments - paid);
        }
      }),
      { numRuns: Math.ceil(RUNS * 0.6), seed: SEED + 99 },
    );
  });
});
