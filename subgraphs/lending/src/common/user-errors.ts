/**
 * Lending's userError()/reject(): they accept only the codes of src/i18n/messages.ts, with the
 * params its templates need. Rejected and payload() are platform's.
 */
import { Rejected, userErrors, type UserError as PlatformUserError } from '@imagy/platform/graphql';
import { messages, type LendingErrorCode } from '../i18n/messages';

export const { userError, reject } = userErrors(messages);
export type UserError = PlatformUserError<LendingErrorCode>;
export { Rejected };
