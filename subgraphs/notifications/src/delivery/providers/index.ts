/** The provider adapters by name. `local` serves every channel and is the default of a channel with no configuration. */
import type { Channel } from '../../templates/render';
import { sesProvider, snsProvider } from './aws';
import { localProvider } from './local';
import type { ProviderAdapter } from './provider';
import { fcmProvider } from './fcm';
import { smtpProvider } from './smtp';
import { twilioProvider } from './twilio';
import { webhookProvider } from './webhook';
import { whatsappProvider } from './whatsapp';

export const PROVIDERS: ReadonlyMap<string, ProviderAdapter> = new Map([localProvider, webhookProvider, twilioProvider, smtpProvider, whatsappProvider, fcmProvider, sesProvider, snsProvider].map((p) => [p.name, p]));

export function providerFor(name: string, channel: Channel): ProviderAdapter | null {
  const p = PROVIDERS.get(name);
  return p && p.channels.includes(channel) ? p : null;
}

export { localProvider };
