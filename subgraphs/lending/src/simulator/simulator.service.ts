/**
 * The public credit simulator: no token, the tenant comes from its slug (lending's tenant
 * directory), only PUBLISHED versions of ACTIVE products, out-of-range input gives userErrors, and
 * nothing is written (read-only transactions).
 */
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { generateSchedule, LoanMathError, minorUnits, type LoanSchedule } from '../loan-math';
import { D, fmt } from '../common/money';
import type { ResolversParentTypes, SimulateCreditInput } from '../__generated__/graphql';
import { addDays, isDate } from '../common/dates';
import { fromLoanMath } from '../common/loan-math-errors';
import { userError } from '../common/user-errors';
import type { ProductsService, CreditProduct, ProductVersion } from '../products/products.service';
import { checkLoanRequest, loanTermsOf, termsView } from '../products/terms';
import type { DirectoryTenant, TenantDirectory } from '../tenants/tenants.service';
import { readOnly } from './simulator.store';

/** The tenant is named by `tenantSlug` or, for the white-label portal, by the `host` it is served on. */
export interface TenantRef { tenantSlug?: string | null; host?: string | null }

export interface ScheduleRowView { currency: string; number: number; dueDate: string; principal: string; interest: string; fee: string; tax: string; total: string; balance: string }
export interface Simulation {
  productCode: string; productName: string; versionNumber: number; currency: string; amount: string; term: number; frequency: string;
  installment: string; netDisbursed: string; financedAmount: string; annualNominalRate: string; periodicRate: string; effectiveAnnualRate: string;
  cat: string; catExact: string; catWithVat: string; catWithVatExact: string; catWithoutVat: string; catWithoutVatExact: string;
  disbursementDate: string; firstDueDate: string; rows: ScheduleRowView[];
  totals: { currency: string; principal: string; interest: string; fees: string; taxes: string; totalCost: string; totalPayable: string };
}

/** How far from the tenant's business date a simulated disbursement may be, either way. */
export const SIMULATION_DATE_WINDOW_DAYS = 366;

type ScheduleView = Pick<Simulation, 'installment' | 'netDisbursed' | 'financedAmount' | 'rows' | 'totals' | 'cat' | 'catExact' | 'catWithVat' | 'catWithVatExact' | 'catWithoutVat' | 'catWithoutVatExact' | 'periodicRate' | 'effectiveAnnualRate'>;

export function scheduleView(s: LoanSchedule, currency: string, units: number): ScheduleView {
  return {
    installment: fmt(s.installment, units), netDisbursed: fmt(s.netDisbursed, units), financedAmount: fmt(s.financedAmount, units),
    periodicRate: s.periodicRate.toDecimalPlaces(6).toString(), effectiveAnnualRate: s.effectiveAnnualRate.toDecimalPlaces(4).toString(),
    cat: s.cat.percent.toFixed(1), catExact: s.cat.exactPercent.toDecimalPlaces(6).toString(),
    catWithVat: s.cat.percent.toFixed(1), catWithVatExact: s.cat.exactPercent.toDecimalPlaces(6).toString(),
    catWithoutVat: s.catWithoutVat.percent.toFixed(1), catWithoutVatExact: s.catWithoutVat.exactPercent.toDecimalPlaces(6).toString(),
    rows: s.rows.map((r) => ({ currency, number: r.number, dueDate: r.dueDate, principal: fmt(r.principal, units), interest: fmt(r.interest, units), fee: fmt(r.fee, units), tax: fmt(r.tax, units), total: fmt(r.total, units), balance: fmt(r.balance, units) })),
    totals: { currency, principal: fmt(s.totals.principal, units), interest: fmt(s.totals.interest, units), fees: fmt(s.totals.fees, units), taxes: fmt(s.totals.taxes, units), totalCost: fmt(s.totals.totalCost, units), totalPayable: fmt(s.totals.totalPayable, units) },
  };
}

export class SimulatorService {
  constructor(private readonly orm: Orm, private readonly directory: TenantDirectory, private readonly products: ProductsService) {}

  private async published(ref: TenantRef, productCode: string): Promise<{ tenant: DirectoryTenant; product: CreditProduct; version: ProductVersion } | null> {
    const tenant = await this.directory.resolve(ref);
    if (!tenant || tenant.status !== 'ACTIVE' || typeof productCode !== 'string') return null;
    const found = await inTenantTx(this.orm, { tenantId: tenant.id }, async (em) => {
      await readOnly(em);
      return this.products.publishedByCode(em, productCode);
    });
    return found ? { tenant, ...found } : null;
  }

  async config(productCode: string, ref: TenantRef): Promise<ResolversParentTypes['SimulatorConfig'] | null> {
    const found = await this.published(ref, productCode);
    if (!found) return null;
    const { product, version } = found;
    const t = termsView(version.terms, product.currency);
    return {
      productCode: product.code, productName: product.name, currency: product.currency, versionNumber: version.number,
      minAmount: t.minAmount, maxAmount: t.maxAmount, minTerm: t.minTerm, maxTerm: t.maxTerm, frequency: t.frequency,
      interestMethod: t.interestMethod, annualNominalRate: t.annualNominalRate, fees: t.fees, interestTaxRate: t.interestTaxRate,
      amountStep: new D(1).div(new D(10).pow(minorUnits(product.currency))).toString(),
    };
  }

  async simulate(input: SimulateCreditInput): Promise<ResolversParentTypes['SimulateCreditPayload']> {
    if (!input.tenantSlug && !input.host) return { simulation: null, userErrors: [userError('TENANT_REQUIRED', { field: 'tenantSlug' })] };
    const found = await this.published(input, input.productCode);
    if (!found) return { simulation: null, userErrors: [userError('PRODUCT_NOT_FOUND', { field: 'productCode' })] };
    const { tenant, product, version } = found;
    const errors = checkLoanRequest(version.terms, product.currency, input.amount, input.term);
    // Dates: the tenant's business date by default; a given one within a year of it either way.
    const today = this.directory.todayOf(tenant);
    const earliest = addDays(today, -SIMULATION_DATE_WINDOW_DAYS);
    const latest = addDays(today, SIMULATION_DATE_WINDOW_DAYS);
    const disbursementDate = input.disbursementDate ?? today;
    const disbursementOk = isDate(disbursementDate) && disbursementDate >= earliest && disbursementDate <= latest;
    if (!disbursementOk) errors.push(userError('INVALID_DATE', { field: 'disbursementDate', params: { min: earliest, max: latest } }));
    if (input.firstDueDate != null) {
      const min = disbursementOk ? addDays(disbursementDate, 1) : earliest;
      const max = disbursementOk ? addDays(disbursementDate, version.terms.maxDaysToFirstDue) : addDays(latest, version.terms.maxDaysToFirstDue);
      if (!isDate(input.firstDueDate) || input.firstDueDate < min || input.firstDueDate > max) errors.push(userError('INVALID_DATE', { field: 'firstDueDate', params: { min, max } }));
    }
    if (errors.length) return { simulation: null, userErrors: errors };
    const units = minorUnits(product.currency);
    try {
      const schedule = generateSchedule(loanTermsOf(version.terms, product.currency, input.amount.trim(), input.term, disbursementDate, input.firstDueDate));
      return {
        simulation: {
          productCode: product.code, productName: product.name, versionNumber: version.number, currency: product.currency,
          amount: fmt(input.amount.trim(), units), term: input.term, frequency: version.terms.frequency, annualNominalRate: version.terms.annualNominalRate,
          disbursementDate, firstDueDate: schedule.rows[0]!.dueDate,
          ...scheduleView(schedule, product.currency, units),
        },
        userErrors: [],
      };
    } catch (e) {
      if (e instanceof LoanMathError) return { simulation: null, userErrors: [fromLoanMath(e)] };
      throw e;
    }
  }
}
