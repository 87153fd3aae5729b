/**
 * The built-in `local` provider of every channel: "delivers" into the tenant's local mailbox table
 * (localMailbox query), in a short transaction of its own. One message per request: a round run
 * again after a crash finds the row already there and answers its id, so the local provider
 * delivers exactly once. It needs no account, so `npm start` and the tests send real messages with
 * nothing external.
 */
import { mailboxStore } from '../../mailbox/mailbox.store';
import { CHANNELS } from '../../templates/render';
import type { ProviderAdapter } from './provider';

export const localProvider: ProviderAdapter = {
  name: 'local',
  channels: CHANNELS,
  check: () => null,
  async send(message, { tx }) {
    const id = await tx((em) => mailboxStore.deliverOnce(em, { tenantId: message.tenantId, requestId: message.requestId, channel: message.channel, recipient: message.recipient, subject: message.subject, body: message.body }));
    return { providerMessageId: `local-${id}` };
  },
};
