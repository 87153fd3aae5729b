/**
 * A signature request end to end on the real database and bus: two sequential signers each sign with
 * a code delivered by notifications' local provider; the request completes, the sealed PDF verifies
 * (our verifyDocument and poppler's pdfsig), one altered byte fails both, and the trail's chain holds.
 * Then every refusal of the issue: wrong or reused code, expired link, out of order, cancelled, non-PDF.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { PDFDocument } from 'pdf-lib';
import os from 'node:os';
import path from 'node:path';
import { RevocationWriter } from '@imagy/platform/auth';
import { waitFor, withSqlClient } from '@imagy/platform/testing';
import { CANCEL, CREATE, invitationToken, ONE, REJECT, REQUEST_CODE, SEND, SESSION, SIGN, signingCode, samplePdf, startEnv, VERIFY, type Env } from './env';

describe('sign: signature requests', () => {
  let env: Env;
  beforeAll(async () => { env = await startEnv('sign_flow', { expirySweepMs: 250 }); });
  afterAll(async () => { await env?.stop(); });

  const create = async (suffix: string, over: Record<string, unknown> = {}) => {
    const r = await env.call(CREATE, { input: {
      title: `Contrato ${suffix}`, signingOrder: 'SEQUENTIAL', documents: [{ name: 'contrato.pdf', contentBase64: await samplePdf() }],
      signers: [
        { name: 'Ana Pérez', email: `ana.${suffix}@example.com`, userId: env.borrowerId },
        { name: 'Luis Mora', phone: `+5939911${suffix.padStart(5, '0').slice(-5)}` },
      ], ...over,
    } }, env.staff);
    expect(r.errors).toBeUndefined();
    expect(r.data.createSignatureRequest.userErrors).toEqual([]);
    return r.data.createSignatureRequest.signatureRequest;
  };
  const send = async (id: string) => {
    const r = await env.call(SEND, { id }, env.staff);
    expect(r.data.sendSignatureRequest.userErrors).toEqual([]);
    return r.data.sendSignatureRequest.signatureRequest;
  };
  const signWith = (token: string, code: string, accept = true) => env.call(SIGN, { input: { token, code, accept, geolocation: '-0.1807,-78.4678' } }, undefined, { 'user-agent': 'jest-signer' });

  let sealedBase64 = '';

  test('two sequential signers sign with delivered codes; the request completes sealed, verifies and its trail chain holds', async () => {
    const draft = await create('10001');
    expect(draft).toMatchObject({ status: 'DRAFT', signers: [{ order: 1, status: 'WAITING' }, { order: 2, status: 'WAITING' }] });
    const sent = await send(draft.id);
    expect(sent.status).toBe('SENT');
    expect(sent.signers.map((s: { status: string }) => s.status)).toEqual(['INVITED', 'WAITING']);
    // Only the first signer was invited.
    expect(await env.mailbox('+593991110001')).toEqual([]);

    const token1 = await invitationToken(env, 'ana.10001@example.com');
    const session = await env.call(SESSION, { token: token1 });
    expect(session.data.signingSession.session).toMatchObject({ title: 'Contrato 10001', requestStatus: 'SENT', signerName: 'Ana Pérez', order: 1, canSign: true });
    expect(session.data.signingSession.session.documents[0].sha256).toBe(draft.documents[0].sha256);

    const code1 = await signingCode(env, token1, 'ana.10001@example.com');
    const wrong = code1 === '000000' ? '111111' : '000000';
    expect((await signWith(token1, wrong)).data.signDocument).toEqual({ session: null, userErrors: [{ code: 'CODE_INVALID', message: expect.any(String), field: 'code' }] });
    expect((await signWith(token1, code1, false)).data.signDocument.userErrors[0]).toMatchObject({ code: 'ACCEPTANCE_REQUIRED', field: 'accept' });
    const afterWrong = await env.call(ONE, { id: draft.id }, env.staff);
    expect(afterWrong.data.signatureRequest.signers[0].status).toBe('INVITED');

    const signed1 = await signWith(token1, code1);
    expect(signed1.data.signDocument).toEqual({ session: { requestStatus: 'PARTIALLY_SIGNED', signerStatus: 'SIGNED', canSign: false }, userErrors: [] });
    // The same code again: already answered, nothing more signed.
    expect((await signWith(token1, code1)).data.signDocument.userErrors[0]).toMatchObject({ code: 'ALREADY_SIGNED' });

    const token2 = await invitationToken(env, '+593991110001');
    const code2 = await signingCode(env, token2, '+593991110001');
    // Signer 1's code does not sign for signer 2.
    if (code1 !== code2) expect((await signWith(token2, code1)).data.signDocument.userErrors[0]).toMatchObject({ code: 'CODE_INVALID' });
    const signed2 = await signWith(token2, code2);
    expect(signed2.data.signDocument).toEqual({ session: { requestStatus: 'COMPLETED', signerStatus: 'SIGNED', canSign: false }, userErrors: [] });

    const done = (await env.call(ONE, { id: draft.id }, env.staff)).data.signatureRequest;
    expect(done).toMatchObject({ status: 'COMPLETED', completedAt: expect.any(String), trailVerified: true, sealedDocument: { sealed: true } });
    expect(done.signers.map((s: { status: string; signingUrl: string | null }) => [s.status, s.signingUrl])).toEqual([['SIGNED', null], ['SIGNED', null]]);
    expect(done.trail.map((e: { action: string }) => e.action)).toEqual(['CREATED', 'SENT', 'INVITED', 'CODE_SENT', 'SIGNED', 'INVITED', 'CODE_SENT', 'SIGNED', 'COMPLETED']);
    const sealed = Buffer.from(done.sealedDocument.contentBase64, 'base64');
    expect(sealed.subarray(0, 5).toString()).toBe('%PDF-');
    sealedBase64 = done.sealedDocument.contentBase64;

    const rows = await env.sql(`select capture.ip is not null as has_ip, user_agent, geolocation from sign.signers capture where request_id = $1 order by position`, [draft.id]);
    expect(rows).toEqual([{ has_ip: true, user_agent: 'jest-signer', geolocation: '-0.1807,-78.4678' }, { has_ip: true, user_agent: 'jest-signer', geolocation: '-0.1807,-78.4678' }]);

    const ok = await env.call(VERIFY, { content: sealedBase64 }, env.staff);
    expect(ok.data.verifySignedDocument).toEqual({ valid: true, sha256: done.sealedDocument.sha256, signatureRequest: { id: draft.id, status: 'COMPLETED' }, userErrors: [] });
    const altered = Buffer.from(sealed);
    altered[Math.floor(altered.length / 3)] ^= 0x01;
    expect((await env.call(VERIFY, { content: altered.toString('base64') }, env.staff)).data.verifySignedDocument).toMatchObject({ valid: false, signatureRequest: null, userErrors: [] });
    // Tenant B cannot verify (or learn about) tenant A's document.
    expect((await env.call(VERIFY, { sha: done.sealedDocument.sha256 }, env.staffB)).data.verifySignedDocument).toMatchObject({ valid: false, signatureRequest: null });

    // Events through the outbox carry lending's correlation and the sealed hash; the trail's entries go to audit.
    const events = await env.sql(`select subject, envelope->'data' as data from sign.outbox where envelope->'data'->>'signatureRequestId' = $1 and subject <> 'sign.trail.appended' order by created_at`, [draft.id]);
    expect(events.map((e: { subject: string }) => e.subject)).toEqual(['sign.signer.signed', 'sign.signer.signed', 'sign.signature.completed']);
    expect(events[2].data).toMatchObject({ externalRef: null, documentSha256: done.sealedDocument.sha256 });
    const trailEvents = await env.sql(`select count(*)::int as n from sign.outbox where subject = 'sign.trail.appended' and envelope->'data'->>'signatureRequestId' = $1`, [draft.id]);
    expect(trailEvents[0].n).toBe(9);
    // No signing link or code ever went to the bus.
    // The token's exact shape (common/token.ts): a LIKE '%sgn_%' also matched 'sgn' plus any character
    // inside an envelope's base64 signature, and failed once in CI.
    const leaked = await env.sql(`select count(*)::int as n from sign.outbox where envelope::text ~ 'sgn_[A-Za-z0-9_-]{80}'`);
    expect(leaked[0].n).toBe(0);

    // The borrower signer sees it in the portal.
    const mine = await env.call(`query($id: ID!) { signatureRequest(id: $id) { id status documents { name } trail { seq } trailVerified } }`, { id: draft.id }, env.borrower);
    expect(mine.data.signatureRequest).toEqual({ id: draft.id, status: 'COMPLETED', documents: [{ name: 'contrato.pdf' }], trail: [], trailVerified: true });

    // Changing one trail entry breaks the chain.
    await env.sql(`update sign.trail set ip = '198.51.100.1' where request_id = $1 and seq = 5`, [draft.id]);
    expect((await env.call(ONE, { id: draft.id }, env.staff)).data.signatureRequest.trailVerified).toBe(false);
  });

  test('an independent verifier (poppler pdfsig) accepts the seal, and rejects the PDF with one byte changed', () => {
    expect(sealedBase64).not.toBe('');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sign-pdfsig-'));
    const good = path.join(dir, 'sealed.pdf');
    const sealed = Buffer.from(sealedBase64, 'base64');
    fs.writeFileSync(good, sealed);
    const report = execFileSync('pdfsig', [good], { encoding: 'utf8' });
    expect(report).toMatch(/Signature Validation: Signature is Valid\./);
    expect(report).toMatch(/Imagy/);
    // One byte in the signed range changed (a digit of the page text stream region, before the signature).
    const altered = Buffer.from(sealed);
    const at = Math.floor(altered.indexOf(Buffer.from('/Contents')) / 2);
    altered[at] = altered[at] === 0x20 ? 0x21 : 0x20;
    const bad = path.join(dir, 'altered.pdf');
    fs.writeFileSync(bad, altered);
    let badReport = '';
    try { badReport = execFileSync('pdfsig', [bad], { encoding: 'utf8' }); } catch (e) { badReport = String((e as { stdout?: string }).stdout ?? ''); }
    expect(badReport).not.toMatch(/Signature is Valid\./);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('signing out of order, an expired link, a cancelled request and a rejected one: typed errors, nothing signed', async () => {
    const r = await create('10002');
    await send(r.id);
    const staffView = (await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest;
    const secondLink = staffView.signers[1].signingUrl as string;
    // The borrower signer, signed in, reads their own link (the portal's embedded signing step), never another signer's.
    const borrowerView = (await env.call(ONE, { id: r.id }, env.borrower)).data.signatureRequest;
    expect(borrowerView.signers.map((s: { signingUrl: string | null }) => s.signingUrl)).toEqual([staffView.signers[0].signingUrl, null]);
    expect(borrowerView.signers[0].signingUrl).toMatch(/\/sign\/sgn_/);
    const token2 = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(secondLink)![1]!;
    expect((await env.call(REQUEST_CODE, { token: token2 })).data.requestSigningCode.userErrors[0]).toMatchObject({ code: 'SIGNER_NOT_CURRENT', field: 'token' });
    expect((await signWith(token2, '123456')).data.signDocument.userErrors[0]).toMatchObject({ code: 'SIGNER_NOT_CURRENT' });
    expect((await env.call(SESSION, { token: token2 })).data.signingSession.session).toMatchObject({ canSign: false, order: 2 });

    // A suspended tenant's links open nothing (identity's revocation view), and work again once it is active.
    const revocations = new RevocationWriter(env.bus.nc, env.bus.ns.streamPrefix);
    await revocations.tenantStatus(env.tenantA, 'SUSPENDED');
    await waitFor(async () => (await env.call(SESSION, { token: token2 })).data.signingSession.userErrors[0]?.code === 'TENANT_SUSPENDED');
    await revocations.tenantStatus(env.tenantA, 'ACTIVE');
    await waitFor(async () => (await env.call(SESSION, { token: token2 })).data.signingSession.session !== null);

    // A forged or altered token opens nothing.
    const altered = `${token2.slice(0, -2)}${token2.endsWith('AA') ? 'BB' : 'AA'}`;
    expect((await env.call(SESSION, { token: altered })).data.signingSession.userErrors[0]).toMatchObject({ code: 'TOKEN_INVALID', field: 'token' });
    expect((await env.call(SESSION, { token: 'x'.repeat(5000) })).data.signingSession.userErrors[0]).toMatchObject({ code: 'TOKEN_INVALID' });

    // Cancelled: the first signer's valid code signs nothing.
    const token1 = await invitationToken(env, 'ana.10002@example.com');
    const code1 = await signingCode(env, token1, 'ana.10002@example.com');
    expect((await env.call(CANCEL, { id: r.id, reason: 'Datos incorrectos' }, env.staff)).data.cancelSignatureRequest).toMatchObject({ signatureRequest: { status: 'CANCELLED' }, userErrors: [] });
    expect((await signWith(token1, code1)).data.signDocument.userErrors[0]).toMatchObject({ code: 'REQUEST_NOT_OPEN', field: 'token' });
    expect((await env.call(CANCEL, { id: r.id, reason: 'otra vez' }, env.staff)).data.cancelSignatureRequest.userErrors[0]).toMatchObject({ code: 'REQUEST_NOT_OPEN' });

    // Expired: the link answers TOKEN_EXPIRED and the request becomes EXPIRED.
    const e = await create('10003');
    await send(e.id);
    const tokenE = await invitationToken(env, 'ana.10003@example.com');
    await env.sql(`update sign.requests set expires_at = now() - interval '1 minute' where id = $1`, [e.id]);
    expect((await env.call(REQUEST_CODE, { token: tokenE })).data.requestSigningCode.userErrors[0]).toMatchObject({ code: 'TOKEN_EXPIRED', field: 'token' });
    expect((await env.call(ONE, { id: e.id }, env.staff)).data.signatureRequest.status).toBe('EXPIRED');

    // Nobody uses the links of an expired request: the expiry job marks it EXPIRED, with a trail entry.
    const quiet = await create('10007');
    await send(quiet.id);
    await env.sql(`update sign.requests set expires_at = now() - interval '1 minute' where id = $1`, [quiet.id]);
    const swept = await waitFor(async () => {
      const v = (await env.call(ONE, { id: quiet.id }, env.staff)).data.signatureRequest;
      return v.status === 'EXPIRED' ? v : null;
    });
    expect(swept.trail.at(-1)).toMatchObject({ action: 'EXPIRED' });
    expect(swept.trailVerified).toBe(true);

    // Rejected with a reason: the request ends REJECTED and publishes sign.signature.rejected.
    const j = await create('10004');
    await send(j.id);
    const tokenJ = await invitationToken(env, 'ana.10004@example.com');
    expect((await env.call(REJECT, { token: tokenJ, reason: '   ' })).data.rejectSignature.userErrors[0]).toMatchObject({ code: 'REASON_INVALID', field: 'reason' });
    expect((await env.call(REJECT, { token: tokenJ, reason: 'La tasa no es la acordada' })).data.rejectSignature).toEqual({ session: { requestStatus: 'REJECTED', signerStatus: 'REJECTED' }, userErrors: [] });
    const rejected = await env.sql(`select envelope->'data'->>'reason' as reason from sign.outbox where subject = 'sign.signature.rejected' and envelope->'data'->>'signatureRequestId' = $1`, [j.id]);
    expect(rejected).toEqual([{ reason: 'La tasa no es la acordada' }]);

    const signedAnywhere = await env.sql(`select count(*)::int as n from sign.signers where request_id = any($1::uuid[]) and status = 'SIGNED'`, [[r.id, e.id, j.id]]);
    expect(signedAnywhere[0].n).toBe(0);
  });

  test('bad uploads are typed errors naming the field, and write nothing', async () => {
    const before = await env.sql(`select (select count(*) from sign.requests)::int as r, (select count(*) from sign.documents)::int as d, (select count(*) from sign.trail)::int as t`);
    const base = { title: 'X', documents: [{ name: 'a.pdf', contentBase64: await samplePdf() }], signers: [{ name: 'A', email: 'a@example.com' }] };
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ documents: [{ name: 'a.pdf', contentBase64: Buffer.from('hello, not a pdf').toString('base64') }] }, 'DOCUMENT_NOT_PDF', 'documents[0].contentBase64'],
      [{ documents: [{ name: 'a.pdf', contentBase64: Buffer.from('%PDF-1.7\n' + 'garbage '.repeat(20)).toString('base64') }] }, 'DOCUMENT_NOT_PDF', 'documents[0].contentBase64'],
      [{ documents: [{ name: 'a.pdf', contentBase64: '***' }] }, 'DOCUMENT_NOT_BASE64', 'documents[0].contentBase64'],
      [{ documents: [{ name: 'a.pdf', contentBase64: 'A'.repeat(1_000_000) }] }, 'DOCUMENT_TOO_LARGE', 'documents[0].contentBase64'],
      [{ documents: [] }, 'DOCUMENTS_COUNT', 'documents'],
      [{ title: ' ' }, 'TITLE_INVALID', 'title'],
      [{ signers: [{ name: 'A' }] }, 'SIGNER_CONTACT_REQUIRED', 'signers[0].email'],
      [{ signers: [{ name: 'A', email: 'nope' }] }, 'SIGNER_EMAIL_INVALID', 'signers[0].email'],
      [{ signers: [{ name: 'A', phone: '0999' }] }, 'SIGNER_PHONE_INVALID', 'signers[0].phone'],
      [{ signers: [{ name: 'A', email: 'a@example.com', role: 'VIEWER' }] }, 'NO_SIGNING_SIGNER', 'signers'],
      [{ signers: [{ name: 'A', email: 'a@example.com', userId: 'x' }] }, 'SIGNER_USER_INVALID', 'signers[0].userId'],
      [{ strategy: 'SEQUENTIAL_COPIES', signingOrder: 'PARALLEL' }, 'STRATEGY_NEEDS_SEQUENTIAL', 'strategy'],
      [{ expiresInDays: 0 }, 'EXPIRY_OUT_OF_RANGE', 'expiresInDays'],
      [{ locale: 'fr' }, 'LOCALE_INVALID', 'locale'],
    ];
    for (const [over, code, field] of cases) {
      const r = await env.call(CREATE, { input: { ...base, ...over } }, env.staff, { 'accept-language': 'es' });
      expect(r.errors).toBeUndefined();
      expect(r.data.createSignatureRequest).toEqual({ signatureRequest: null, userErrors: [{ code, message: expect.any(String), field }] });
    }
    const after = await env.sql(`select (select count(*) from sign.requests)::int as r, (select count(*) from sign.documents)::int as d, (select count(*) from sign.trail)::int as t`);
    expect(after).toEqual(before);
  });

  test('SEQUENTIAL_COPIES: each signer signs the copy the previous one produced', async () => {
    const r = await create('10005', { strategy: 'SEQUENTIAL_COPIES' });
    await send(r.id);
    const t1 = await invitationToken(env, 'ana.10005@example.com');
    expect((await signWith(t1, await signingCode(env, t1, 'ana.10005@example.com'))).data.signDocument.userErrors).toEqual([]);
    const t2 = await invitationToken(env, '+593991110005');
    const session = await env.call(SESSION, { token: t2 });
    const copy = session.data.signingSession.session.documents[0];
    expect(copy.sha256).not.toBe(r.documents[0].sha256);
    expect(Buffer.from(copy.contentBase64, 'base64').subarray(0, 5).toString()).toBe('%PDF-');
    expect((await signWith(t2, await signingCode(env, t2, '+593991110005'))).data.signDocument.session.requestStatus).toBe('COMPLETED');
    const signed = await env.sql(`select signed_sha256 from sign.signers where request_id = $1 order by position`, [r.id]);
    expect(signed[0].signed_sha256).toBe(r.documents[0].sha256);
    expect(signed[1].signed_sha256).toBe(copy.sha256);
  });

  test('PARALLEL: every signer is invited at once and signs in any order; a viewer is invited but cannot sign; two documents seal as one package', async () => {
    const r = await create('10008', {
      signingOrder: 'PARALLEL',
      documents: [{ name: 'contrato.pdf', contentBase64: await samplePdf('Contrato') }, { name: 'pagare.pdf', contentBase64: await samplePdf('Pagaré') }],
      signers: [{ name: 'Ana', email: 'ana.10008@example.com' }, { name: 'Luis', phone: '+593991110008' }, { name: 'Auditora', email: 'viewer.10008@example.com', role: 'VIEWER' }],
    });
    const sent = await send(r.id);
    expect(sent.signers.map((s: { status: string }) => s.status)).toEqual(['INVITED', 'INVITED', 'INVITED']);
    const viewer = await invitationToken(env, 'viewer.10008@example.com');
    expect((await env.call(SESSION, { token: viewer })).data.signingSession.session).toMatchObject({ canSign: false, signerStatus: 'INVITED' });
    expect((await env.call(REQUEST_CODE, { token: viewer })).data.requestSigningCode.userErrors[0]).toMatchObject({ code: 'SIGNER_CANNOT_SIGN' });

    const t2 = await invitationToken(env, '+593991110008');
    expect((await signWith(t2, await signingCode(env, t2, '+593991110008'))).data.signDocument.session.requestStatus).toBe('PARTIALLY_SIGNED');
    const t1 = await invitationToken(env, 'ana.10008@example.com');
    expect((await signWith(t1, await signingCode(env, t1, 'ana.10008@example.com'))).data.signDocument.session.requestStatus).toBe('COMPLETED');

    const done = (await env.call(ONE, { id: r.id }, env.staff)).data.signatureRequest;
    const sealed = await PDFDocument.load(Buffer.from(done.sealedDocument.contentBase64, 'base64'));
    // Both one-page documents plus the certificate of completion.
    expect(sealed.getPageCount()).toBe(3);
    // The viewer's link now shows the sealed document.
    const after = (await env.call(SESSION, { token: viewer })).data.signingSession.session;
    expect(after).toMatchObject({ requestStatus: 'COMPLETED', canSign: false });
    expect(after.documents.map((d: { sha256: string }) => d.sha256)).toEqual([done.sealedDocument.sha256]);
  });

  test('a resent invitation replaces the link: the earlier one stops working; only a signer whose turn it is gets one', async () => {
    const RESEND = `mutation($id: ID!) { resendSigningInvitation(input: { signerId: $id }) { signatureRequest { id } userErrors { code field } } }`;
    const r = await create('10009');
    const sent = await send(r.id);
    const [first, second] = sent.signers as { id: string }[];
    const oldToken = await invitationToken(env, 'ana.10009@example.com');
    expect((await env.call(RESEND, { id: second!.id }, env.staff)).data.resendSigningInvitation.userErrors).toEqual([{ code: 'SIGNER_NOT_CURRENT', field: 'signerId' }]);
    expect((await env.call(RESEND, { id: first!.id }, env.staffB)).data.resendSigningInvitation.userErrors).toEqual([{ code: 'SIGNER_NOT_FOUND', field: 'signerId' }]);
    expect((await env.call(RESEND, { id: 'nope' }, env.staff)).data.resendSigningInvitation.userErrors).toEqual([{ code: 'SIGNER_NOT_FOUND', field: 'signerId' }]);
    expect((await env.call(RESEND, { id: first!.id }, env.staff)).data.resendSigningInvitation).toEqual({ signatureRequest: { id: r.id }, userErrors: [] });
    const newToken = await waitFor(async () => {
      const t = await invitationToken(env, 'ana.10009@example.com');
      return t !== oldToken ? t : null;
    });
    expect((await env.call(SESSION, { token: oldToken })).data.signingSession.userErrors[0]).toMatchObject({ code: 'TOKEN_INVALID' });
    expect((await env.call(SESSION, { token: newToken })).data.signingSession.session).toMatchObject({ canSign: true, order: 1 });
    expect((await signWith(newToken, await signingCode(env, newToken, 'ana.10009@example.com'))).data.signDocument.session.requestStatus).toBe('PARTIALLY_SIGNED');
  });

  test('staff list with filters and pagination; the portal lists the borrower\'s requests', async () => {
    const LIST = `query($first: Int, $after: String, $filter: SignatureRequestFilter) { signatureRequests(first: $first, after: $after, filter: $filter) { edges { node { id title status } } pageInfo { hasNextPage endCursor } } }`;
    const page1 = await env.call(LIST, { first: 2 }, env.staff);
    expect(page1.data.signatureRequests.edges).toHaveLength(2);
    expect(page1.data.signatureRequests.pageInfo.hasNextPage).toBe(true);
    const page2 = await env.call(LIST, { first: 2, after: page1.data.signatureRequests.pageInfo.endCursor }, env.staff);
    const ids = [...page1.data.signatureRequests.edges, ...page2.data.signatureRequests.edges].map((e: { node: { id: string } }) => e.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    const completed = await env.call(LIST, { first: 50, filter: { status: 'COMPLETED' } }, env.staff);
    expect(completed.data.signatureRequests.edges.length).toBeGreaterThanOrEqual(2);
    expect(completed.data.signatureRequests.edges.every((e: { node: { status: string } }) => e.node.status === 'COMPLETED')).toBe(true);
    const byTitle = await env.call(LIST, { first: 50, filter: { titleContains: 'contrato 10004' } }, env.staff);
    expect(byTitle.data.signatureRequests.edges.map((e: { node: { status: string } }) => e.node.status)).toEqual(['REJECTED']);
    // A borrower is not staff.
    expect((await env.call(LIST, { first: 5 }, env.borrower)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const me = await env.call(`query($rep: [_Any!]!) { _entities(representations: $rep) { ... on User { signatureRequests { status documents { name } } } } }`,
      { rep: [{ __typename: 'User', id: env.borrowerId }] }, env.borrower);
    const mine = me.data._entities[0].signatureRequests as { status: string }[];
    expect(mine.length).toBeGreaterThanOrEqual(5);
    expect(mine.map((m) => m.status)).toContain('COMPLETED');
  });

  test("tenant B can neither read nor change tenant A's requests; forced RLS hides A's rows", async () => {
    const r = await create('10006');
    expect((await env.call(ONE, { id: r.id }, env.staffB)).data.signatureRequest).toBeNull();
    expect((await env.call(SEND, { id: r.id }, env.staffB)).data.sendSignatureRequest.userErrors[0]).toMatchObject({ code: 'REQUEST_NOT_FOUND', field: 'id' });
    expect((await env.call(CANCEL, { id: r.id, reason: 'x' }, env.staffB)).data.cancelSignatureRequest.userErrors[0]).toMatchObject({ code: 'REQUEST_NOT_FOUND' });
    const listB = await env.call(`{ signatureRequests(first: 50) { edges { node { id } } } }`, {}, env.staffB);
    expect(listB.data.signatureRequests.edges).toEqual([]);
    // As sign's own role, with tenant B's scope: no row of A is visible, changeable or writable.
    await withSqlClient(env.db.adminUrl, async (client) => {
      await client.query('begin');
      try {
        await client.query('set local role imagy_sign');
        await client.query(`select set_config('app.tenant_id', $1, true)`, [env.tenantB]);
        expect((await client.query(`select id from sign.requests where id = $1`, [r.id])).rowCount).toBe(0);
        expect((await client.query(`update sign.requests set title = 'hijacked' where id = $1`, [r.id])).rowCount).toBe(0);
        await expect(client.query(`insert into sign.trail (tenant_id, request_id, seq, action, data, at, prev_hash, hash) values ($1, $2, 99, 'FORGED', '{}', now(), 'x', 'y')`, [env.tenantA, r.id]))
          .rejects.toThrow(/row-level security/);
      } finally {
        await client.query('rollback');
      }
    });
    expect((await env.sql(`select title from sign.requests where id = $1`, [r.id]))[0].title).toBe('Contrato 10006');
    const flags = await env.sql(`select relrowsecurity, relforcerowsecurity from pg_class where oid = 'sign.requests'::regclass`);
    expect(flags).toEqual([{ relrowsecurity: true, relforcerowsecurity: true }]);
  });
});
