import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalFileStorage } from '../src/storage/local';
import { publishedFlow, startFlowRig, SUBMIT, TRIGGER, type FlowRig } from './harness';

const UPLOAD = `mutation($input: RequestFlowUploadInput!) { requestFlowUpload(input: $input) { upload { fileId url method headers expiresAt } userErrors { code field } } }`;
const FILES = `query($id: ID!) { flowRequest(id: $id) { status outcome files { id stepKey contentType sizeBytes sha256 uploadedAt downloadUrl } } }`;

describe('storage adapter: local files behind signed, expiring URLs, content hash recorded', () => {
  let rig: FlowRig;
  let dir: string;
  let tenant: { tenantId: string; token: string };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'flow-files-'));
    rig = await startFlowRig('flowstore', { filesDir: dir });
    tenant = await rig.tenant(['tenant_admin']);
    await publishedFlow(rig, tenant.token, 'DOCS', [
      { key: 'id_front', name: 'ID front', type: 'DOCUMENT' },
      { key: 'idcheck', name: 'ID check', type: 'PROVIDER', capability: 'IDENTITY_DOCUMENT', inputMapping: { documentNumber: 'context.documentNumber' } },
    ], [{ name: 'fraud', kind: 'OUTCOME', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.idcheck.valid', value: false } }]);
  });
  afterAll(async () => { await rig?.stop(); fs.rmSync(dir, { recursive: true, force: true }); });

  test('upload through a signed URL, hash recorded once; the step takes only uploaded files; staff download by a signed URL', async () => {
    const t = (await rig.call(TRIGGER, { input: { flowCode: 'DOCS', subjectRef: 's', context: { documentNumber: '12345678' } } }, tenant.token)).data.triggerExecution;
    expect(t.request.currentStepKey).toBe('id_front');
    const bytes = crypto.randomBytes(1000);
    const asked = await rig.call(UPLOAD, { input: { accessToken: t.accessToken, stepKey: 'id_front', contentType: 'image/png', sizeBytes: bytes.length } });
    expect(asked.data.requestFlowUpload.userErrors).toEqual([]);
    const upload = asked.data.requestFlowUpload.upload;
    expect(upload).toMatchObject({ method: 'PUT', headers: { 'content-type': 'image/png' } });

    // Not uploaded yet: the step refuses the id and nothing advances.
    const early = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'id_front', data: { fileIds: [upload.fileId] }, idempotencyKey: 'd1' } });
    expect(early.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'FILE_NOT_UPLOADED', field: 'data.fileIds[0]' })]);

    // Tampered signature, wrong content type, too many bytes: refused, nothing stored.
    expect((await fetch(upload.url.replace(/sig=[^&]+/, 'sig=AAAA'), { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(403);
    expect((await fetch(upload.url.replace('ct=image%2Fpng', 'ct=image%2Fjpeg'), { method: 'PUT', headers: { 'content-type': 'image/jpeg' }, body: bytes })).status).toBe(403);
    expect((await fetch(upload.url, { method: 'PUT', headers: { 'content-type': 'text/html' }, body: bytes })).status).toBe(415);
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: Buffer.concat([bytes, Buffer.from('x')]) })).status).toBe(413);
    expect(await rig.db.sql('select uploaded_at from flow.flow_files where id = $1', [upload.fileId])).toEqual([{ uploaded_at: null }]);

    const put = await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes });
    expect(put.status).toBe(201);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    expect(await put.json()).toEqual({ sha256, sizeBytes: bytes.length });
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: crypto.randomBytes(10) })).status).toBe(409);
    expect(fs.readFileSync(path.join(dir, tenant.tenantId, upload.fileId))).toEqual(bytes);

    const done = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'id_front', data: { fileIds: [upload.fileId] }, idempotencyKey: 'd2' } });
    expect(done.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });

    const seen = (await rig.call(FILES, { id: t.request.id }, tenant.token)).data.flowRequest;
    expect(seen.files).toEqual([{ id: upload.fileId, stepKey: 'id_front', contentType: 'image/png', sizeBytes: 1000, sha256, uploadedAt: expect.any(String), downloadUrl: expect.stringContaining(`/flow/files/${tenant.tenantId}/${upload.fileId}?`) }]);
    const got = await fetch(seen.files[0].downloadUrl);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);
    expect((await fetch(seen.files[0].downloadUrl.replace(/sig=[^&]+/, 'sig=x'))).status).toBe(403);
    // A download URL is not an upload URL.
    expect((await fetch(seen.files[0].downloadUrl, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(403);
  });

  test('uploads are asked for the current DOCUMENT step only, with an allowed type and size', async () => {
    const t = (await rig.call(TRIGGER, { input: { flowCode: 'DOCS', subjectRef: 's', context: { documentNumber: '12349003' } } }, tenant.token)).data.triggerExecution;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ stepKey: 'id_front', contentType: 'text/html', sizeBytes: 10 }, 'CONTENT_TYPE_NOT_ALLOWED', 'contentType'],
      [{ stepKey: 'id_front', contentType: 'image/png', sizeBytes: 0 }, 'FILE_SIZE_OUT_OF_RANGE', 'sizeBytes'],
      [{ stepKey: 'id_front', contentType: 'image/png', sizeBytes: 30 * 1024 * 1024 }, 'FILE_SIZE_OUT_OF_RANGE', 'sizeBytes'],
      [{ stepKey: 'idcheck', contentType: 'image/png', sizeBytes: 10 }, 'STEP_NOT_CURRENT', 'stepKey'],
    ];
    for (const [input, code, field] of cases) {
      const r = await rig.call(UPLOAD, { input: { accessToken: t.accessToken, ...input } });
      expect(r.data.requestFlowUpload).toEqual({ upload: null, userErrors: [{ code, field }] });
    }
    expect(await rig.db.sql('select count(*)::int as n from flow.flow_files where request_id = $1', [t.request.id])).toEqual([{ n: 0 }]);
    const bad = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'id_front', data: { fileIds: 'nope' }, idempotencyKey: 'x' } });
    expect(bad.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'STEP_DATA_INVALID', field: 'data.fileIds' })]);
  });

  test('signed URLs expire and are bound to their operation, key and content type', async () => {
    let now = Date.UTC(2026, 0, 1);
    const storage = new LocalFileStorage(dir, crypto.randomBytes(32), () => now);
    const key = `${crypto.randomUUID()}/${crypto.randomUUID()}`;
    const q = (url: string) => new URL(url).searchParams;
    const get = q((await storage.presignDownload(key, 'http://x')).url);
    const put = q((await storage.presignUpload(key, 'image/png', 10, 'http://x')).url);
    expect(storage.verify('get', key, '', 0, Number(get.get('exp')), get.get('sig')!)).toBe(true);
    expect(storage.verify('put', key, 'image/png', 10, Number(put.get('exp')), put.get('sig')!)).toBe(true);
    expect(storage.verify('put', key, 'image/png', 11, Number(put.get('exp')), put.get('sig')!)).toBe(false);
    expect(storage.verify('put', key, 'image/jpeg', 10, Number(put.get('exp')), put.get('sig')!)).toBe(false);
    expect(storage.verify('get', key, 'image/png', 10, Number(put.get('exp')), put.get('sig')!)).toBe(false);
    expect(storage.verify('get', `${crypto.randomUUID()}/${crypto.randomUUID()}`, '', 0, Number(get.get('exp')), get.get('sig')!)).toBe(false);
    now += 16 * 60_000;
    expect(storage.verify('get', key, '', 0, Number(get.get('exp')), get.get('sig')!)).toBe(false);
  });
});
