/**
 * The DocuSeal provider against a local server that plays DocuSeal's API: sending hands the PDF and
 * signers to `POST /submissions/pdf` (API key, order, external ids); DocuSeal's webhooks are refused
 * without the secret, applied once when repeated, refused for a signer they do not match, and the
 * last `form.completed` completes and seals the request like a built-in signature would.
 */
import crypto from 'node:crypto';
import { installationSecret } from '@imagy/platform/config';
import { SigningTokens } from '../src/common/token';
import { CREATE, ONE, REQUEST_CODE, samplePdf, SEND, SESSION, startEnv, type Env } from './env';
import { startDocuSealServer } from './docuseal-server';

const API_KEY = 'ds-test-key';
const SECRET = crypto.randomBytes(24).toString('hex');

describe('sign: the DocuSeal provider', () => {
  let env: Env;
  let docuseal: Awaited<ReturnType<typeof startDocuSealServer>>;
  beforeAll(async () => {
    docuseal = await startDocuSealServer(API_KEY);
    env = await startEnv('sign_docuseal', { docuseal: { baseUrl: docuseal.url, apiKey: API_KEY, webhookSecret: SECRET } });
  });
  afterAll(async () => {
    await env?.stop();
    await docuseal?.stop();
  });

  const hook = (body: unknown, secret: string | null = SECRET) => fetch(env.sign.url.replace('/graphql', '/webhooks/docuseal'), {
    method: 'POST', headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-imagy-webhook-secret': secret }) }, body: typeof body === 'string' ? body : JSON.stringify(body),
  }).then((r) => r.status);
  const completed = (externalId: string, id: number) => ({ event_type: 'form.completed', timestamp: new Date().toISOString(), data: { id, external_id: externalId, email: 'x@example.com', ip: '203.0.113.50', ua: 'DocuSeal browser', status: 'completed', completed_at: new Date().toISOString() } });

  test('a request handed to DocuSeal completes from its verified, idempotent webhooks', async () => {
    const created = await env.call(CREATE, { input: {
      title: 'Contrato DocuSeal', provider: 'DOCUSEAL', signingOrder: 'SEQUENTIAL', documents: [{ name: 'contrato.pdf', contentBase64: await samplePdf() }],
      signers: [{ name: 'Ana', email: 'ana.ds@example.com' }, { name: 'Luis', phone: '+593991230077' }],
    } }, env.staff);
    expect(created.data.createSignatureRequest.userErrors).toEqual([]);
    const r = created.data.createSignatureRequest.signatureRequest;

    // The provider refuses once: nothing is sent, the request stays a DRAFT.
    docuseal.failOnce();
    expect((await env.call(SEND, { id: r.id }, env.staff)).data.sendSignatureRequest.userErrors).toEqual([{ code: 'PROVIDER_UNAVAILABLE', message: expect.any(String), field: 'id' }]);
    expect((await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest.status).toBe('DRAFT');

    const sent = await env.call(SEND, { id: r.id }, env.staff);
    expect(sent.data.sendSignatureRequest.signatureRequest).toMatchObject({ status: 'SENT', signers: [{ status: 'INVITED', signingUrl: null }, { status: 'INVITED', signingUrl: null }] });
    const call = docuseal.calls.at(-1)!;
    expect(call.token).toBe(API_KEY);
    expect(call.body).toMatchObject({ name: 'Contrato DocuSeal', order: 'preserved', send_email: true, documents: [{ name: 'contrato.pdf' }] });
    expect(Buffer.from(call.body.documents[0]!.file, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    const [s1, s2] = call.body.submitters;
    const signers = (await env.sql(`select id, provider_ref from sign.signers where request_id = $1 order by position`, [r.id])) as { id: string; provider_ref: string }[];
    expect(s1!.external_id).toBe(`${env.tenantA}:${signers[0]!.id}`);
    expect(s2).toMatchObject({ phone: '+593991230077', external_id: `${env.tenantA}:${signers[1]!.id}` });
    // Nothing went out through notifications: DocuSeal invites the signers itself.
    expect(await env.mailbox('ana.ds@example.com')).toEqual([]);

    const trailLength = async () => ((await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest.trail as unknown[]).length;
    const before = await trailLength();
    // Without or with a wrong secret, a malformed body, or a submitter that is not the signer's: refused, nothing changes.
    expect(await hook(completed(s1!.external_id, Number(signers[0]!.provider_ref)), null)).toBe(401);
    expect(await hook(completed(s1!.external_id, Number(signers[0]!.provider_ref)), 'wrong')).toBe(401);
    expect(await hook('{not json')).toBe(400);
    expect(await hook(completed(s1!.external_id, 999999))).toBe(404);
    expect(await hook(completed(`${env.tenantB}:${signers[0]!.id}`, Number(signers[0]!.provider_ref)))).toBe(404);
    expect(await trailLength()).toBe(before);

    expect(await hook(completed(s1!.external_id, Number(signers[0]!.provider_ref)))).toBe(200);
    // DocuSeal retries: the same event again has no second effect.
    expect(await hook(completed(s1!.external_id, Number(signers[0]!.provider_ref)))).toBe(200);
    const mid = (await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest;
    expect(mid).toMatchObject({ status: 'PARTIALLY_SIGNED', signers: [{ status: 'SIGNED' }, { status: 'INVITED' }] });
    expect(mid.trail.filter((e: { action: string }) => e.action === 'SIGNED')).toHaveLength(1);

    // Other event types are acknowledged and ignored.
    expect(await hook({ event_type: 'form.viewed', data: { id: 1 } })).toBe(200);
    expect(await hook(completed(s2!.external_id, Number(signers[1]!.provider_ref)))).toBe(200);
    const done = (await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest;
    expect(done).toMatchObject({ status: 'COMPLETED', trailVerified: true, sealedDocument: { sealed: true } });
    const ips = await env.sql(`select ip, user_agent from sign.signers where request_id = $1 order by position`, [r.id]);
    expect(ips).toEqual([{ ip: '203.0.113.50', user_agent: 'DocuSeal browser' }, { ip: '203.0.113.50', user_agent: 'DocuSeal browser' }]);
    const events = await env.sql(`select subject from sign.outbox where envelope->'data'->>'signatureRequestId' = $1 and subject <> 'sign.trail.appended' order by created_at`, [r.id]);
    expect(events.map((e: { subject: string }) => e.subject)).toEqual(['sign.signer.signed', 'sign.signer.signed', 'sign.signature.completed']);
  });

  test('the built-in signing link does not sign a DocuSeal request; a declined form rejects it', async () => {
    const created = await env.call(CREATE, { input: { title: 'Otro', provider: 'DOCUSEAL', documents: [{ name: 'c.pdf', contentBase64: await samplePdf() }], signers: [{ name: 'Ana', email: 'ana.ds2@example.com' }] } }, env.staff);
    const id = created.data.createSignatureRequest.signatureRequest.id as string;
    await env.call(SEND, { id }, env.staff);
    const [signer] = await env.sql(`select id, provider_ref from sign.signers where request_id = $1`, [id]);
    // A genuine built-in link of this signer (same installation key) does not sign: DocuSeal collects the signature.
    const token = new SigningTokens(installationSecret('SIGN_TOKEN_SECRET', 'sign-token.key')).issue({ tenantId: env.tenantA, signerId: signer.id, generation: 0 });
    expect((await env.call(REQUEST_CODE, { token })).data.requestSigningCode.userErrors).toEqual([{ code: 'SIGNED_AT_PROVIDER', message: expect.any(String), field: 'token' }]);
    expect((await env.call(SESSION, { token })).data.signingSession.session).toMatchObject({ canSign: false });
    expect(await hook({ event_type: 'form.declined', data: { id: Number(signer.provider_ref), external_id: `${env.tenantA}:${signer.id}`, decline_reason: 'No estoy de acuerdo' } })).toBe(200);
    expect((await env.call(ONE, { id }, env.staff)).data.signatureRequest.status).toBe('REJECTED');
    const reasons = await env.sql(`select envelope->'data'->>'reason' as reason from sign.outbox where subject = 'sign.signature.rejected' and envelope->'data'->>'signatureRequestId' = $1`, [id]);
    expect(reasons).toEqual([{ reason: 'No estoy de acuerdo' }]);
  });

  test('asking for a provider the installation did not configure is a typed error', async () => {
    const other = await startEnv('sign_noprovider');
    try {
      const r = await other.call(CREATE, { input: { title: 'X', provider: 'DOCUSEAL', documents: [{ name: 'c.pdf', contentBase64: await samplePdf() }], signers: [{ name: 'A', email: 'a@example.com' }] } }, other.staff);
      expect(r.data.createSignatureRequest).toEqual({ signatureRequest: null, userErrors: [{ code: 'PROVIDER_NOT_CONFIGURED', message: expect.any(String), field: 'provider' }] });
    } finally {
      await other.stop();
    }
  });
});
