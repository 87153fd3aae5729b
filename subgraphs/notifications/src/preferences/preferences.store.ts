/** All SQL of per-recipient channel preferences (tenant table under RLS; recipients by keyed hash only). */
import type { Em } from '@imagy/platform/db';
import type { Channel } from '../templates/render';

export const preferencesStore = {
  async set(em: Em, p: { tenantId: string; recipientHash: string; channel: Channel; optedOut: boolean }): Promise<void> {
    await em.execute(
      `insert into preferences (tenant_id, recipient_hash, channel, opted_out) values (?, ?, ?, ?)
       on conflict (tenant_id, recipient_hash, channel) do update set opted_out = excluded.opted_out, updated_at = clock_timestamp()`,
      [p.tenantId, p.recipientHash, p.channel, p.optedOut],
    );
  },

  async optedOut(em: Em, recipientHash: string, channel: Channel): Promise<boolean> {
    const rows = await em.execute<{ opted_out: boolean }[]>('select opted_out from preferences where recipient_hash = ? and channel = ?', [recipientHash, channel]);
    return rows[0]?.opted_out ?? false;
  },
};
