/** All SQL of the local provider's mailbox (tenant table under RLS). */
import crypto from 'node:crypto';
import { iso, type Em } from '@imagy/platform/db';
import type { Keyset } from '../common/cursor';
import type { Channel } from '../templates/render';

export interface LocalMessage { id: string; requestId: string | null; channel: Channel; recipient: string; subject: string | null; body: string; createdAt: string }
interface Row { id: string; request_id: string | null; channel: Channel; recipient: string; subject: string | null; body: string; created_at: string }

const toMessage = (r: Row): LocalMessage => ({ id: r.id, requestId: r.request_id, channel: r.channel, recipient: r.recipient, subject: r.subject, body: r.body, createdAt: r.created_at });

export const mailboxStore = {
  /** The request's message, inserted once: a second delivery of the same request answers the first row's id. */
  async deliverOnce(em: Em, m: { tenantId: string; requestId: string; channel: Channel; recipient: string; subject: string | null; body: string }): Promise<string> {
    const inserted = await em.execute<{ id: string }[]>(
      `insert into local_mailbox (id, tenant_id, request_id, channel, recipient, subject, body) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (request_id) where request_id is not null do nothing returning id`,
      [crypto.randomUUID(), m.tenantId, m.requestId, m.channel, m.recipient, m.subject, m.body],
    );
    if (inserted[0]) return inserted[0].id;
    const existing = await em.execute<{ id: string }[]>('select id from local_mailbox where request_id = ?', [m.requestId]);
    return existing[0]!.id;
  },

  async page(em: Em, limit: number, after: Keyset | null, recipient: string | null): Promise<LocalMessage[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (recipient !== null) { where.push('recipient = ?'); params.push(recipient); }
    if (after) { where.push('(created_at, id) < (?::timestamptz, ?::uuid)'); params.push(after.createdAt, after.id); }
    const rows = await em.execute<Row[]>(
      `select id, request_id, channel, recipient, subject, body, ${iso('created_at')} as created_at from local_mailbox ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit ?`,
      [...params, limit + 1],
    );
    return rows.map(toMessage);
  },
};
