/**
 * SQL of pipeline configurations and legal documents. Runs on the `em` of a tenant-scoped
 * transaction (RLS). `pipeline_configs` rows can only be written while their version is a DRAFT
 * (trigger `pipeline_configs_draft_only`); `legal_documents` rows are insert-only.
 */
import { iso, jsonParam, TEXT_ARRAY_PARAM, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';
import type { PipelineStep } from './steps';

/**
 * The stored steps of each version: its own row, else the row of the latest earlier version of its
 * product that has one (earlier versions are immutable, so a published version's answer never changes).
 */
export async function effectivePipelines(em: Em, versionIds: string[]): Promise<{ version_id: string; steps: PipelineStep[] | null; own: boolean }[]> {
  return em.execute(
    `select v.id as version_id, pc.steps, coalesce(pc.version_id = v.id, false) as own
       from product_versions v
       left join lateral (
         select c.version_id, c.steps from product_versions e join pipeline_configs c on c.version_id = e.id
          where e.product_id = v.product_id and e.number <= v.number order by e.number desc limit 1
       ) pc on true
      where v.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(versionIds)]);
}

export async function upsertPipeline(em: Em, p: { versionId: string; tenantId: string; steps: PipelineStep[]; userId: string }): Promise<void> {
  await em.execute(
    `insert into pipeline_configs (version_id, tenant_id, steps, updated_by) values (?, ?, ?::jsonb, ?)
     on conflict (version_id) do update set steps = excluded.steps, updated_by = excluded.updated_by, updated_at = date_trunc('milliseconds', clock_timestamp())`,
    [p.versionId, p.tenantId, jsonParam(p.steps), p.userId]);
}

export interface LegalDocRow { id: string; code: string; version: number; locale: string; title: string; body: string; sha256: string; created_at: string }
const DOC_COLUMNS = `id, code, version, locale, title, body, sha256, ${iso('created_at')} as created_at`;

export async function insertLegalDocument(em: Em, d: { id: string; tenantId: string; code: string; locale: string; title: string; body: string; sha256: string; userId: string }): Promise<LegalDocRow> {
  // The version is the next one of (code, locale); two concurrent publications collide on the unique key and one is retried.
  const rows = await em.execute<LegalDocRow[]>(
    `insert into legal_documents (id, tenant_id, code, version, locale, title, body, sha256, created_by)
     select ?, ?, ?, coalesce(max(version), 0) + 1, ?, ?, ?, ?, ? from legal_documents where code = ? and locale = ?
     returning ${DOC_COLUMNS}`,
    [d.id, d.tenantId, d.code, d.locale, d.title, d.body, d.sha256, d.userId, d.code, d.locale]);
  return rows[0]!;
}

/** The latest version of each code (any code when `codes` is null), one per (code, locale). */
export async function currentLegalDocuments(em: Em, codes: string[] | null): Promise<LegalDocRow[]> {
  return em.execute<LegalDocRow[]>(
    `select distinct on (code, locale) ${DOC_COLUMNS} from legal_documents
      where (?::boolean or code = any(${TEXT_ARRAY_PARAM}))
      order by code, locale, version desc`, [codes === null, jsonParam(codes ?? [])]);
}
