/** All SQL of channel configurations (tenant table under RLS). Credentials arrive and leave sealed. */
import crypto from 'node:crypto';
import { jsonParam, type Em } from '@imagy/platform/db';
import type { JsonValue } from '@imagy/platform/graphql';
import type { Channel } from '../templates/render';

export interface ChannelConfigRow {
  id: string;
  tenantId: string;
  channel: Channel;
  provider: string;
  priority: number;
  settings: { [key: string]: JsonValue };
  credentialsSealed: string | null;
  enabled: boolean;
}

interface Row { id: string; tenant_id: string; channel: Channel; provider: string; priority: number; settings: { [key: string]: JsonValue }; credentials_enc: string | null; enabled: boolean }

const COLUMNS = 'id, tenant_id, channel, provider, priority, settings, credentials_enc, enabled';
const toConfig = (r: Row): ChannelConfigRow => ({ id: r.id, tenantId: r.tenant_id, channel: r.channel, provider: r.provider, priority: r.priority, settings: r.settings, credentialsSealed: r.credentials_enc, enabled: r.enabled });

export const channelsStore = {
  async atPriority(em: Em, channel: Channel, priority: number): Promise<ChannelConfigRow | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from channel_configs where channel = ? and priority = ? for update`, [channel, priority]);
    return rows[0] ? toConfig(rows[0]) : null;
  },

  async upsert(em: Em, c: { tenantId: string; channel: Channel; provider: string; priority: number; settings: { [key: string]: JsonValue }; credentialsSealed: string | null; enabled: boolean }): Promise<ChannelConfigRow> {
    const rows = await em.execute<Row[]>(
      `insert into channel_configs (id, tenant_id, channel, provider, priority, settings, credentials_enc, enabled) values (?, ?, ?, ?, ?, ?::jsonb, ?, ?)
       on conflict (tenant_id, channel, priority) do update set provider = excluded.provider, settings = excluded.settings, credentials_enc = excluded.credentials_enc, enabled = excluded.enabled, updated_at = clock_timestamp()
       returning ${COLUMNS}`,
      [crypto.randomUUID(), c.tenantId, c.channel, c.provider, c.priority, jsonParam(c.settings), c.credentialsSealed, c.enabled],
    );
    return toConfig(rows[0]!);
  },

  async byId(em: Em, id: string): Promise<ChannelConfigRow | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from channel_configs where id = ?`, [id]);
    return rows[0] ? toConfig(rows[0]) : null;
  },

  async remove(em: Em, id: string): Promise<ChannelConfigRow | null> {
    const rows = await em.execute<Row[]>(`delete from channel_configs where id = ? returning ${COLUMNS}`, [id]);
    return rows[0] ? toConfig(rows[0]) : null;
  },

  async list(em: Em, channel: Channel | null, enabledOnly = false): Promise<ChannelConfigRow[]> {
    const where = [channel ? 'channel = ?' : 'true', enabledOnly ? 'enabled' : 'true'].join(' and ');
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from channel_configs where ${where} order by channel, priority`, channel ? [channel] : []);
    return rows.map(toConfig);
  },
};
