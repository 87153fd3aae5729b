/** Pure loan mathematics for the lending subgraph (no I/O). See README.md. */
export * from './types';
export {
  CURRENCY_MINOR_UNITS,
  minorUnits,
  parseMoney,
  roundMoney,
  roundToMultiple,
} from './rounding';
export {
  periodsPerYear,
  periodYearFraction,
  nominalPeriodicRate,
  effectiveAnnualRate,
  nominalApr,
  irr,
  computeCat,
} from './rates';
export type { CashFlow, IrrOptions } from './rates';
export { generateSchedule, interestBetween, progressiveEmi, rescheduleAfterPrepayment } from './schedule';
