/**
 * Sign through the gateway: staff create a request with two sequential signers (a portal borrower by
 * e-mail, a second signer by SMS), each signer opens their link without logging in, gets a code from
 * notifications' local provider and signs; the request completes, the sealed PDF downloads and
 * verifies, one altered byte fails, the trail's chain holds and the borrower sees it under
 * `me { signatureRequests }`. Wrong codes, out-of-order signing and a non-PDF upload are typed errors.
 */
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const CREATE = `mutation($input: CreateSignatureRequestInput!) { createSignatureRequest(input: $input) { signatureRequest { id status } userErrors { code field } } }`;
const SEND = `mutation($id: ID!) { sendSignatureRequest(input: { id: $id }) { signatureRequest { id status signers { status signingUrl } } userErrors { code field } } }`;
const ONE = `query($id: ID!) { signatureRequest(id: $id) { id status trailVerified trail { action } signers { status } sealedDocument { sha256 contentBase64 } } }`;
const MAILBOX = `query($recipient: String) { localMailbox(first: 20, recipient: $recipient) { edges { node { body } } } }`;
const CODE = `mutation($token: String!) { requestSigningCode(input: { token: $token }) { destinationMasked userErrors { code field } } }`;
const SIGN = `mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus signerStatus } userErrors { code field } } }`;
const VERIFY = `query($content: String) { verifySignedDocument(contentBase64: $content) { valid signatureRequest { id } userErrors { code } } }`;

describe('sign, end to end through the gateway', () => {
  let p: Platform;
  let staff: string;
  let borrower: string;
  let borrowerId: string;

  beforeAll(async () => {
    p = await startPlatform({ label: 'e2esign', notifications: { otp: { resendCooldownMs: 0 } } });
    staff = (await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD)).accessToken;
    await p.call(CREATE_USER, { input: { email: 'firmante@demo.test', displayName: 'Firmante', roles: ['borrower'], password: 'firmante-password-1' } }, staff);
    const session = await p.login('demo', 'firmante@demo.test', 'firmante-password-1');
    borrower = session.accessToken;
    borrowerId = session.user.id;
  });
  afterAll(async () => { await p?.stop(); });

  const bodies = async (recipient: string) => ((await p.call(MAILBOX, { recipient }, staff)).data.localMailbox.edges as { node: { body: string } }[]).map((e) => e.node.body);
  const linkOf = async (recipient: string) => {
    const body = await waitFor(async () => (await bodies(recipient)).find((b) => b.includes('/sign/')));
    return /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(body)![1]!;
  };
  const codeFor = async (token: string, recipient: string) => {
    const before = (await bodies(recipient)).length;
    expect((await p.call(CODE, { token })).data.requestSigningCode.userErrors).toEqual([]);
    const body = await waitFor(async () => { const all = await bodies(recipient); return all.length > before ? all[0] : null; });
    return /(\d{6})/.exec(body!)![1]!;
  };

  test('two sequential signers sign with delivered codes; the sealed PDF downloads and verifies; bad input is refused', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawText('Pagaré 001', { x: 50, y: 700, font: await doc.embedFont(StandardFonts.Helvetica) });
    const pdf = Buffer.from(await doc.save()).toString('base64');

    const notPdf = await p.call(CREATE, { input: { title: 'X', documents: [{ name: 'x.pdf', contentBase64: Buffer.from('MZ not a pdf at all').toString('base64') }], signers: [{ name: 'A', email: 'a@demo.test' }] } }, staff);
    expect(notPdf.data.createSignatureRequest).toEqual({ signatureRequest: null, userErrors: [{ code: 'DOCUMENT_NOT_PDF', field: 'documents[0].contentBase64' }] });

    const created = await p.call(CREATE, { input: {
      title: 'Pagaré 001', signingOrder: 'SEQUENTIAL', documents: [{ name: 'pagare.pdf', contentBase64: pdf }],
      signers: [{ name: 'Firmante', email: 'firmante@demo.test', userId: borrowerId }, { name: 'Garante', phone: '+593991234001' }],
    } }, staff);
    expect(created.errors).toBeUndefined();
    const id = created.data.createSignatureRequest.signatureRequest.id as string;
    const sent = await p.call(SEND, { id }, staff);
    expect(sent.data.sendSignatureRequest.signatureRequest.status).toBe('SENT');

    // The second signer's link (staff may copy it) does not sign out of order.
    const early = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(sent.data.sendSignatureRequest.signatureRequest.signers[1].signingUrl)![1]!;
    expect((await p.call(CODE, { token: early })).data.requestSigningCode.userErrors).toEqual([{ code: 'SIGNER_NOT_CURRENT', field: 'token' }]);

    const t1 = await linkOf('firmante@demo.test');
    const c1 = await codeFor(t1, 'firmante@demo.test');
    expect((await p.call(SIGN, { input: { token: t1, code: c1 === '999999' ? '000000' : '999999', accept: true } })).data.signDocument.userErrors).toEqual([{ code: 'CODE_INVALID', field: 'code' }]);
    expect((await p.call(SIGN, { input: { token: t1, code: c1, accept: true } })).data.signDocument.session).toEqual({ requestStatus: 'PARTIALLY_SIGNED', signerStatus: 'SIGNED' });
    expect((await p.call(SIGN, { input: { token: t1, code: c1, accept: true } })).data.signDocument.userErrors).toEqual([{ code: 'ALREADY_SIGNED', field: 'token' }]);

    const t2 = await linkOf('+593991234001');
    const c2 = await codeFor(t2, '+593991234001');
    expect((await p.call(SIGN, { input: { token: t2, code: c2, accept: true } })).data.signDocument.session).toEqual({ requestStatus: 'COMPLETED', signerStatus: 'SIGNED' });

    const done = (await p.call(ONE, { id }, staff)).data.signatureRequest;
    expect(done).toMatchObject({ status: 'COMPLETED', trailVerified: true, signers: [{ status: 'SIGNED' }, { status: 'SIGNED' }] });
    expect(done.trail.at(-1).action).toBe('COMPLETED');
    const sealed = Buffer.from(done.sealedDocument.contentBase64, 'base64');
    expect((await p.call(VERIFY, { content: done.sealedDocument.contentBase64 }, staff)).data.verifySignedDocument).toEqual({ valid: true, signatureRequest: { id }, userErrors: [] });
    sealed[sealed.length >> 1] ^= 0xff;
    expect((await p.call(VERIFY, { content: sealed.toString('base64') }, staff)).data.verifySignedDocument).toEqual({ valid: false, signatureRequest: null, userErrors: [] });

    // The signer's client address reached sign through the gateway.
    const ips = await p.sql(`select ip from sign.signers where request_id = $1 and ip is not null`, [id]);
    expect(ips).toHaveLength(2);

    // Every trail entry reached audit through the outbox and the bus (this is the platform's only request).
    const trailLength = done.trail.length as number;
    const audited = async () => (await p.sql(`select subject, count(*)::int as n from audit.audit_events where subject like 'sign.%' group by subject order by subject`));
    const expected = [{ subject: 'sign.signature.completed', n: 1 }, { subject: 'sign.signer.signed', n: 2 }, { subject: 'sign.trail.appended', n: trailLength }];
    await waitFor(async () => JSON.stringify(await audited()) === JSON.stringify(expected) || null, 30_000);

    const me = await p.call('{ me { id signatureRequests { status documents { name } } } }', {}, borrower);
    expect(me.errors).toBeUndefined();
    expect(me.data.me.signatureRequests).toEqual([{ status: 'COMPLETED', documents: [{ name: 'pagare.pdf' }] }]);
  });
});
