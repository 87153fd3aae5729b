/** SQL of flow_files (documents of DOCUMENT steps): tenant transaction (RLS). */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';

export interface FlowFile { id: string; requestId: string; stepKey: string; storageKey: string; contentType: string; sizeBytes: number | null; sha256: string | null; createdAt: string; uploadedAt: string | null }
interface FileRow { id: string; request_id: string; step_key: string; storage_key: string; content_type: string; size_bytes: string | null; sha256: string | null; created_at: string; uploaded_at: string | null }

const COLS = `id, request_id, step_key, storage_key, content_type, size_bytes, sha256, ${iso('created_at')} as created_at, ${iso('uploaded_at')} as uploaded_at`;
const toFile = (r: FileRow): FlowFile => ({ id: r.id, requestId: r.request_id, stepKey: r.step_key, storageKey: r.storage_key, contentType: r.content_type, sizeBytes: r.size_bytes === null ? null : Number(r.size_bytes), sha256: r.sha256, createdAt: r.created_at, uploadedAt: r.uploaded_at });

export const filesStore = {
  async insert(em: Em, f: { id: string; tenantId: string; requestId: string; stepKey: string; storageKey: string; contentType: string }): Promise<FlowFile> {
    const rows = await em.execute<FileRow[]>(`insert into flow_files (id, tenant_id, request_id, step_key, storage_key, content_type) values (?, ?, ?, ?, ?, ?) returning ${COLS}`,
      [f.id, f.tenantId, f.requestId, f.stepKey, f.storageKey, f.contentType]);
    return toFile(rows[0]!);
  },
  /** Records an upload once; false when the file is unknown (RLS) or already uploaded. */
  async markUploaded(em: Em, id: string, sizeBytes: number, sha256: string): Promise<boolean> {
    const rows = await em.execute<{ id: string }[]>('update flow_files set size_bytes = ?, sha256 = ?, uploaded_at = clock_timestamp() where id = ? and uploaded_at is null returning id', [sizeBytes, sha256, id]);
    return rows.length === 1;
  },
  async ofRequests(em: Em, requestIds: readonly string[]): Promise<FlowFile[]> {
    if (!requestIds.length) return [];
    return (await em.execute<FileRow[]>(`select ${COLS} from flow_files where request_id = any(${UUID_ARRAY_PARAM}) order by created_at, id`, [jsonParam(requestIds)])).map(toFile);
  },
  async countForStep(em: Em, requestId: string, stepKey: string): Promise<number> {
    const rows = await em.execute<{ n: number }[]>('select count(*)::int as n from flow_files where request_id = ? and step_key = ?', [requestId, stepKey]);
    return rows[0]?.n ?? 0;
  },
};
