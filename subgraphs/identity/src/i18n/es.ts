import { catalogueIn } from '@imagy/platform/graphql';
import { messages } from './messages';

/**
 * Spanish texts by code, for the server's response rewrite (parameter-free codes; texts with
 * `{params}` are rendered by the UserError.message resolver instead). Derived from messages.ts.
 */
export const messagesEs = catalogueIn(messages, 'es');
