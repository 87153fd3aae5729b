/** Per-recipient opt-outs per channel. Critical messages (OTP) ignore them (requests.service.ts). */
import { inTenantTx, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import type { Outbox } from '@imagy/platform/events';
import { actorOf, requireRole, type Caller } from '@imagy/platform/server';
import { maskRecipient, normaliseRecipient, recipientHash } from '../common/recipients';
import { PREFERENCE_WRITERS } from '../common/roles';
import { reject } from '../i18n/messages';
import type { Channel } from '../templates/render';
import { preferencesStore } from './preferences.store';

export class PreferencesService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly recipientKey: Buffer) {}

  async set(caller: Caller, input: { recipient: string; channel: Channel; optedOut: boolean }) {
    const auth = requireRole(caller.auth, ...PREFERENCE_WRITERS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const recipient = normaliseRecipient(input.channel, input.recipient);
      if ('problem' in recipient) return reject(recipient.problem, { field: 'recipient' });
      await preferencesStore.set(em, { tenantId: auth.tenantId, recipientHash: recipientHash(this.recipientKey, auth.tenantId, input.channel, recipient.value), channel: input.channel, optedOut: input.optedOut });
      const masked = maskRecipient(input.channel, recipient.value);
      await this.outbox.publish(em, 'notifications.preference.changed', { channel: input.channel, recipient: masked, optedOut: input.optedOut }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { preference: { recipient: masked, channel: input.channel, optedOut: input.optedOut } };
    }), { preference: null });
  }
}
