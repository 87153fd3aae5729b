/** audit's userError()/reject(): they accept only the codes of its catalogue (i18n/messages.ts). */
import { renderMessage } from '@imagy/platform/i18n';
import { userErrors } from '@imagy/platform/graphql';
import { messages } from './messages';

export const { userError, reject } = userErrors(messages);

/** The English text of a catalogue code for a thrown input error (which carries no params for the response to re-render). */
export function englishOf<C extends keyof typeof messages>(code: C, params: Record<string, string | number>): string {
  return renderMessage(messages[code].en, params) ?? messages[code].en;
}
