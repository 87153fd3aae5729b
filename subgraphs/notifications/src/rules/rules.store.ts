/** All SQL of automatic notification rules (tenant table under RLS). */
import crypto from 'node:crypto';
import type { Em } from '@imagy/platform/db';
import type { Channel } from '../templates/render';

export interface Rule { id: string; subject: string; templateKey: string; channel: Channel; recipientPath: string; locale: string | null; enabled: boolean }
interface Row { id: string; subject: string; template_key: string; channel: Channel; recipient_path: string; locale: string | null; enabled: boolean }

const COLUMNS = 'id, subject, template_key, channel, recipient_path, locale, enabled';
const toRule = (r: Row): Rule => ({ id: r.id, subject: r.subject, templateKey: r.template_key, channel: r.channel, recipientPath: r.recipient_path, locale: r.locale, enabled: r.enabled });

export const rulesStore = {
  async insert(em: Em, r: Omit<Rule, 'id' | 'enabled'> & { tenantId: string }): Promise<Rule> {
    const rows = await em.execute<Row[]>(
      `insert into rules (id, tenant_id, subject, template_key, channel, recipient_path, locale) values (?, ?, ?, ?, ?, ?, ?) returning ${COLUMNS}`,
      [crypto.randomUUID(), r.tenantId, r.subject, r.templateKey, r.channel, r.recipientPath, r.locale],
    );
    return toRule(rows[0]!);
  },

  async setEnabled(em: Em, id: string, enabled: boolean): Promise<Rule | null> {
    const rows = await em.execute<Row[]>(`update rules set enabled = ? where id = ? returning ${COLUMNS}`, [enabled, id]);
    return rows[0] ? toRule(rows[0]) : null;
  },

  async list(em: Em): Promise<Rule[]> {
    return (await em.execute<Row[]>(`select ${COLUMNS} from rules order by created_at, id`)).map(toRule);
  },

  async forSubject(em: Em, subject: string): Promise<Rule[]> {
    return (await em.execute<Row[]>(`select ${COLUMNS} from rules where subject = ? and enabled order by created_at, id`, [subject])).map(toRule);
  },
};
