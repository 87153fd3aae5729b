import crypto from 'node:crypto';
import { publishedFlow, startFlowRig, SUBMIT, TRIGGER, type FlowRig } from './harness';
import { startFakeS3, type FakeS3 } from './s3-server';

const UPLOAD = `mutation($input: RequestFlowUploadInput!) { requestFlowUpload(input: $input) { upload { fileId url method headers } userErrors { code field } } }`;
const FILES = `query($id: ID!) { flowRequest(id: $id) { files { sizeBytes sha256 downloadUrl } } }`;

describe('storage adapter: S3-compatible (presigned URLs straight to the bucket, SHA-256 verified by the store)', () => {
  let rig: FlowRig;
  let s3: FakeS3;
  let tenant: { tenantId: string; token: string };

  beforeAll(async () => {
    s3 = await startFakeS3('docs');
    rig = await startFlowRig('flows3', { s3: { bucket: 'docs', region: 'us-east-1', endpoint: s3.url, credentials: { accessKeyId: 'test', secretAccessKey: 'test-secret' } } });
    tenant = await rig.tenant(['tenant_admin']);
    await publishedFlow(rig, tenant.token, 'DOCS', [{ key: 'proof', name: 'Proof of address', type: 'DOCUMENT' }]);
  });
  afterAll(async () => { await rig?.stop(); await s3?.close(); });

  test('the declared SHA-256 is signed into the upload, the store refuses other bytes, and the step records what the store holds', async () => {
    const t = (await rig.call(TRIGGER, { input: { flowCode: 'DOCS', subjectRef: 's', context: {} } }, tenant.token)).data.triggerExecution;
    const bytes = crypto.randomBytes(512);
    const sha256 = crypto.createHash('sha256').update(bytes).digest('hex');
    const missing = await rig.call(UPLOAD, { input: { accessToken: t.accessToken, stepKey: 'proof', contentType: 'application/pdf', sizeBytes: 512 } });
    expect(missing.data.requestFlowUpload.userErrors).toEqual([{ code: 'SHA256_REQUIRED', field: 'sha256' }]);
    const asked = await rig.call(UPLOAD, { input: { accessToken: t.accessToken, stepKey: 'proof', contentType: 'application/pdf', sizeBytes: 512, sha256 } });
    expect(asked.data.requestFlowUpload.userErrors).toEqual([]);
    const upload = asked.data.requestFlowUpload.upload;
    expect(upload.url.startsWith(`${s3.url}/docs/${tenant.tenantId}/${upload.fileId}?`)).toBe(true);
    const signed = new URL(upload.url).searchParams;
    expect(signed.get('X-Amz-Algorithm')).toBe('AWS4-HMAC-SHA256');
    expect(signed.get('X-Amz-SignedHeaders')?.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host', 'x-amz-checksum-sha256']));
    expect(Number(signed.get('X-Amz-Expires'))).toBe(900);
    expect(upload.headers).toEqual({ 'content-type': 'application/pdf', 'x-amz-checksum-sha256': Buffer.from(sha256, 'hex').toString('base64') });

    const early = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'proof', data: { fileIds: [upload.fileId] }, idempotencyKey: 'p0' } });
    expect(early.data.submitFlowStep.userErrors).toEqual([expect.objectContaining({ code: 'FILE_NOT_UPLOADED', field: 'data.fileIds[0]' })]);

    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: crypto.randomBytes(512) })).status).toBe(400);
    expect((await fetch(upload.url, { method: 'PUT', headers: upload.headers, body: bytes })).status).toBe(200);

    const done = await rig.call(SUBMIT, { input: { accessToken: t.accessToken, stepKey: 'proof', data: { fileIds: [upload.fileId] }, idempotencyKey: 'p1' } });
    expect(done.data.submitFlowStep.session).toMatchObject({ status: 'COMPLETED', outcome: 'APPROVED' });
    const files = (await rig.call(FILES, { id: t.request.id }, tenant.token)).data.flowRequest.files;
    expect(files).toEqual([{ sizeBytes: 512, sha256, downloadUrl: expect.stringContaining(`${s3.url}/docs/${tenant.tenantId}/${upload.fileId}?`) }]);
    const got = await fetch(files[0].downloadUrl);
    expect(Buffer.from(await got.arrayBuffer())).toEqual(bytes);
    // HeadObject was signed with the configured credentials.
    expect(s3.requests.filter((r) => r.method === 'HEAD').every((r) => r.authorization?.startsWith('AWS4-HMAC-SHA256 Credential=test/'))).toBe(true);
  });
});
