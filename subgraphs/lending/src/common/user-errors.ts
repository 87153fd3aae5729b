/**
 * Lending's userError()/reject(): they accept only the codes of src/i18n/messages.ts, with the
 * params its templates need. Rejected and payload() are platform's.
 */
import { Rejected, unsafeDisplayText, userErrors, type UserError as PlatformUserError } from '@imagy/platform/graphql';
import { messages, type LendingErrorCode } from '../i18n/messages';

export const { userError, reject } = userErrors(messages);
export type UserError = PlatformUserError<LendingErrorCode>;
export { Rejected };

/**
 * INVALID_TEXT naming `field` when free text that is shown or exported later (a name, a reason, a
 * reference, an idempotency key) holds control characters or line breaks (terminal escapes, forged
 * log lines), text-direction controls or invisible characters: platform's unsafeDisplayText.
 */
export function unsafeTextError(value: string | null | undefined, field: string): UserError | null {
  return typeof value === 'string' && unsafeDisplayText(value) ? userError('INVALID_TEXT', { field }) : null;
}
