/** All SQL of templates and their immutable versions. Runs inside the caller's tenant transaction (RLS). */
import { iso, jsonParam, TEXT_ARRAY_PARAM, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import type { Channel, TemplateBody } from './render';

export interface Template {
  id: string;
  tenantId: string;
  key: string;
  channel: Channel;
  currentVersion: number;
  archived: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface TemplateVersion {
  templateId: string;
  version: number;
  variables: string[];
  bodies: TemplateBody[];
  createdAt: string;
}

interface TemplateRow { id: string; tenant_id: string; key: string; channel: Channel; current_version: number; archived: boolean; created_at: string; updated_at: string }
interface VersionRow { template_id: string; version: number; variables: string[]; bodies: TemplateBody[]; created_at: string }

const COLUMNS = `id, tenant_id, key, channel, current_version, archived_at is not null as archived, ${iso('created_at')} as created_at, ${iso('updated_at')} as updated_at`;
const SELECT = `select ${COLUMNS} from templates`;
const VERSION_SELECT = `select template_id, version, variables, bodies, ${iso('created_at')} as created_at from template_versions`;

const toTemplate = (r: TemplateRow): Template => ({
  id: r.id, tenantId: r.tenant_id, key: r.key, channel: r.channel, currentVersion: r.current_version, archived: r.archived, createdAt: r.created_at, updatedAt: r.updated_at,
});
const toVersion = (r: VersionRow): TemplateVersion => ({ templateId: r.template_id, version: r.version, variables: r.variables, bodies: r.bodies, createdAt: r.created_at });

export const templatesStore = {
  async insert(em: Em, t: { id: string; tenantId: string; key: string; channel: Channel; createdBy: string | null }): Promise<Template | null> {
    const rows = await em.execute<TemplateRow[]>(
      `insert into templates (id, tenant_id, key, channel, current_version, created_by) values (?, ?, ?, ?, 1, ?) on conflict (tenant_id, key, channel) do nothing returning ${COLUMNS}`,
      [t.id, t.tenantId, t.key, t.channel, t.createdBy],
    );
    return rows[0] ? toTemplate(rows[0]) : null;
  },

  async insertVersion(em: Em, v: { tenantId: string; templateId: string; version: number; variables: string[]; bodies: TemplateBody[]; createdBy: string | null }): Promise<void> {
    await em.execute(
      `insert into template_versions (tenant_id, template_id, version, variables, bodies, created_by) values (?, ?, ?, ${TEXT_ARRAY_PARAM}, ?::jsonb, ?)`,
      [v.tenantId, v.templateId, v.version, jsonParam(v.variables), jsonParam(v.bodies), v.createdBy],
    );
  },

  /** Locks the template row (the next version number is taken under it). */
  async lockById(em: Em, id: string): Promise<Template | null> {
    const rows = await em.execute<TemplateRow[]>(`${SELECT} where id = ? for update`, [id]);
    return rows[0] ? toTemplate(rows[0]) : null;
  },

  async setCurrentVersion(em: Em, id: string, version: number): Promise<Template> {
    const rows = await em.execute<TemplateRow[]>(`update templates set current_version = ?, updated_at = clock_timestamp() where id = ? returning ${COLUMNS}`, [version, id]);
    return toTemplate(rows[0]!);
  },

  async archive(em: Em, id: string): Promise<Template> {
    const rows = await em.execute<TemplateRow[]>(`update templates set archived_at = coalesce(archived_at, clock_timestamp()), updated_at = clock_timestamp() where id = ? returning ${COLUMNS}`, [id]);
    return toTemplate(rows[0]!);
  },

  async byKey(em: Em, key: string, channel: Channel): Promise<Template | null> {
    const rows = await em.execute<TemplateRow[]>(`${SELECT} where key = ? and channel = ?`, [key, channel]);
    return rows[0] ? toTemplate(rows[0]) : null;
  },

  /** The channels a key has a live (not archived) template for. */
  async channelsOfKey(em: Em, key: string): Promise<Channel[]> {
    return (await em.execute<{ channel: Channel }[]>('select channel from templates where key = ? and archived_at is null order by channel', [key])).map((r) => r.channel);
  },

  async byIds(em: Em, ids: readonly string[]): Promise<Template[]> {
    if (ids.length === 0) return [];
    return (await em.execute<TemplateRow[]>(`${SELECT} where id = any(${UUID_ARRAY_PARAM})`, [jsonParam(ids)])).map(toTemplate);
  },

  async version(em: Em, templateId: string, version: number): Promise<TemplateVersion | null> {
    const rows = await em.execute<VersionRow[]>(`${VERSION_SELECT} where template_id = ? and version = ?`, [templateId, version]);
    return rows[0] ? toVersion(rows[0]) : null;
  },

  /** Every version of many templates, newest first (one statement for a page of templates). */
  async versionsOf(em: Em, templateIds: readonly string[]): Promise<TemplateVersion[]> {
    if (templateIds.length === 0) return [];
    return (await em.execute<VersionRow[]>(`${VERSION_SELECT} where template_id = any(${UUID_ARRAY_PARAM}) order by template_id, version desc`, [jsonParam(templateIds)])).map(toVersion);
  },

  async page(em: Em, limit: number, after: { createdAt: string; id: string } | null, channel: Channel | null): Promise<Template[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    if (channel) { where.push('channel = ?'); params.push(channel); }
    if (after) { where.push('(created_at, id) < (?::timestamptz, ?::uuid)'); params.push(after.createdAt, after.id); }
    const rows = await em.execute<TemplateRow[]>(`${SELECT} ${where.length ? `where ${where.join(' and ')}` : ''} order by created_at desc, id desc limit ?`, [...params, limit + 1]);
    return rows.map(toTemplate);
  },
};
