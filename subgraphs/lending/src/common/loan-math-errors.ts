/**
 * A LoanMathError as one of lending's userErrors. The services check every input before calling
 * loan-math, so these are rare; the texts carry the widest bounds since loan-math's own message
 * (English, with internals) is not shown.
 */
import { DATE_MAX, DATE_MIN } from '@imagy/platform/graphql';
import type { LoanMathError } from '../loan-math';
import { MAX_NOMINAL_RATE, MAX_TERM } from '../products/terms';
import { userError, type UserError } from './user-errors';

export function fromLoanMath(e: LoanMathError): UserError {
  const field = e.field ?? null;
  switch (e.code) {
    case 'INVALID_AMOUNT': return userError('INVALID_AMOUNT', { field });
    case 'INVALID_DATE': return userError('INVALID_DATE', { field, params: { min: DATE_MIN, max: DATE_MAX } });
    case 'INVALID_FEE': return userError('INVALID_FEE', { field });
    case 'INVALID_RATE': return userError('INVALID_RATE', { field, params: { max: MAX_NOMINAL_RATE } });
    case 'INVALID_TERM': return userError('INVALID_TERM', { field, params: { min: 1, max: MAX_TERM } });
    case 'NO_CONVERGENCE': return userError('NO_CONVERGENCE', { field });
    case 'UNKNOWN_CURRENCY': return userError('INVALID_CURRENCY', { field });
  }
}
