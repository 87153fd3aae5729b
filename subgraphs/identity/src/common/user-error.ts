/**
 * identity's userError()/reject(): they accept only the codes of its catalogue (i18n/messages.ts),
 * with the parameters each code's texts use.
 */
import { userErrors, type Payload as PlatformPayload, type UserError as PlatformUserError } from '@imagy/platform/graphql';
import { messages, type IdentityErrorCode } from '../i18n/messages';

export const { userError, reject } = userErrors(messages);

export type UserError = PlatformUserError<IdentityErrorCode>;

/** A mutation's answer: its fields plus identity's userErrors (the SDL's payloads, with domain objects). */
export type Payload<T extends object> = PlatformPayload<T, IdentityErrorCode>;
export { Rejected, payload } from '@imagy/platform/graphql';
