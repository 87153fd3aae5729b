/**
 * Channel configuration: which providers serve a channel, in priority order, with their settings
 * (returned) and credentials (sealed with AES-256-GCM, bound to tenant and channel, never returned).
 */
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { notPlainText, payload, type JsonValue } from '@imagy/platform/graphql';
import { actorOf, requireRole, type Caller } from '@imagy/platform/server';
import { CONFIG_ADMINS } from '../common/roles';
import { multilineTextProblem } from '../common/text';
import { decryptJson, encryptJson } from '../common/secrets';
import type { Route } from '../delivery/dispatcher';
import { localProvider, providerFor } from '../delivery/providers';
import { reject } from '../i18n/messages';
import type { Channel } from '../templates/render';
import { channelsStore, type ChannelConfigRow } from './channels.store';

/** A channel config as the API shows it: never the credentials, only whether there are some. */
export interface ChannelConfig { id: string; channel: Channel; provider: string; priority: number; settings: JsonObject; hasCredentials: boolean; enabled: boolean }

const view = (c: ChannelConfigRow): ChannelConfig => ({ id: c.id, channel: c.channel, provider: c.provider, priority: c.priority, settings: c.settings, hasCredentials: c.credentialsSealed !== null, enabled: c.enabled });

const aadOf = (tenantId: string, channel: Channel) => `${tenantId}/${channel}`;

export type JsonObject = { [key: string]: JsonValue };
const isObject = (v: JsonValue | null | undefined): v is JsonObject => !!v && typeof v === 'object' && !Array.isArray(v);

/** The path of the first string in a settings/credentials object with controls, bidi overrides or NUL (line breaks allowed: PEM keys), or null. */
function plainTextProblem(value: JsonValue | null, path: string): string | null {
  if (typeof value === 'string') return multilineTextProblem(value) ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) { const p = plainTextProblem(value[i]!, `${path}.${i}`); if (p) return p; }
    return null;
  }
  if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) { const p = notPlainText(k) ? `${path}.?` : plainTextProblem(v, `${path}.${k}`); if (p) return p; }
  }
  return null;
}

export interface SetChannelConfig { channel: Channel; provider: string; priority: number; settings: JsonValue; credentials?: JsonValue | null; enabled?: boolean | null }

export class ChannelsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox, private readonly encryptionKey: Buffer) {}

  async set(caller: Caller, input: SetChannelConfig) {
    const auth = requireRole(caller.auth, ...CONFIG_ADMINS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const provider = providerFor(input.provider, input.channel);
      if (!provider) return reject('PROVIDER_UNKNOWN', { field: 'provider', params: { provider: input.provider.slice(0, 40), channel: input.channel } });
      if (!Number.isInteger(input.priority) || input.priority < 1 || input.priority > 100) reject('PRIORITY_INVALID', { field: 'priority' });
      if (!isObject(input.settings)) return reject('PROVIDER_SETTINGS_INVALID', { field: 'settings', params: { reason: 'settings must be an object' } });
      if (input.credentials != null && !isObject(input.credentials)) return reject('PROVIDER_SETTINGS_INVALID', { field: 'credentials', params: { reason: 'credentials must be an object' } });
      const badSettings = plainTextProblem(input.settings, 'settings') ?? plainTextProblem(input.credentials ?? null, 'credentials');
      if (badSettings) reject('PROVIDER_SETTINGS_INVALID', { field: badSettings.split('.')[0]!, params: { reason: `${badSettings} has control or invisible characters` } });
      const existing = await channelsStore.atPriority(em, input.channel, input.priority);
      // Credentials left out keep the stored ones of the same provider (settings can change alone).
      const keep = input.credentials == null && existing?.provider === provider.name ? existing.credentialsSealed : null;
      const credentials = isObject(input.credentials) ? input.credentials : keep ? decryptJson<Record<string, unknown>>(this.encryptionKey, keep, aadOf(auth.tenantId, input.channel)) : {};
      const problem = provider.check(input.settings, credentials);
      if (problem) reject('PROVIDER_SETTINGS_INVALID', { field: problem.startsWith('credentials') ? 'credentials' : 'settings', params: { reason: problem } });
      const sealed = isObject(input.credentials) ? encryptJson(this.encryptionKey, input.credentials, aadOf(auth.tenantId, input.channel)) : keep;
      const config = await channelsStore.upsert(em, { tenantId: auth.tenantId, channel: input.channel, provider: provider.name, priority: input.priority, settings: input.settings, credentialsSealed: sealed, enabled: input.enabled ?? true });
      await this.outbox.publish(em, 'notifications.channel_config.changed', { configId: config.id, channel: config.channel, provider: config.provider, priority: config.priority, change: 'SET' }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { config: view(config) };
    }), { config: null });
  }

  async remove(caller: Caller, id: string) {
    const auth = requireRole(caller.auth, ...CONFIG_ADMINS);
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const removed = isUuid(id) ? await channelsStore.remove(em, id) : null;
      if (!removed) return reject('CONFIG_NOT_FOUND', { field: 'id' });
      await this.outbox.publish(em, 'notifications.channel_config.changed', { configId: removed.id, channel: removed.channel, provider: removed.provider, priority: removed.priority, change: 'REMOVED' }, { tenantId: auth.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return { config: view(removed) };
    }), { config: null });
  }

  async list(auth: AuthContext, channel: Channel | null): Promise<ChannelConfig[]> {
    const user = requireRole(auth, ...CONFIG_ADMINS);
    return (await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => channelsStore.list(em, channel))).map(view);
  }

  /** One config with its decrypted credentials, inside an open tenant transaction (provider callbacks). */
  async withCredentialsIn(em: Em, tenantId: string, id: string): Promise<{ config: ChannelConfigRow; credentials: Record<string, unknown> } | null> {
    const config = isUuid(id) ? await channelsStore.byId(em, id) : null;
    if (!config) return null;
    const credentials = config.credentialsSealed ? decryptJson<Record<string, unknown>>(this.encryptionKey, config.credentialsSealed, aadOf(tenantId, config.channel)) : {};
    return { config, credentials };
  }

  /** The routes of a channel inside a send's transaction: enabled configs by priority, else `local`. */
  async routesIn(em: Em, tenantId: string, channel: Channel): Promise<Route[]> {
    const configs = await channelsStore.list(em, channel, true);
    const routes = configs.flatMap((c): Route[] => {
      const provider = providerFor(c.provider, channel);
      if (!provider) return [];
      const credentials = c.credentialsSealed ? decryptJson<Record<string, unknown>>(this.encryptionKey, c.credentialsSealed, aadOf(tenantId, channel)) : {};
      return [{ id: c.id, provider, settings: c.settings, credentials }];
    });
    return routes.length ? routes : [{ id: 'local', provider: localProvider, settings: {}, credentials: {} }];
  }
}
