/**
 * lending.contract.issued -> sign: the contract's text becomes a PDF, the request is created with
 * lending's externalRef and sent (the first signer invited); a redelivered event changes nothing;
 * completing it publishes sign.signature.completed with the same externalRef.
 */
import crypto from 'node:crypto';
import { PDFDocument } from 'pdf-lib';
import { publishEnvelope, publishEvent, waitFor, waitForConsumerIdle } from '@imagy/platform/testing';
import { CONTRACTS_CONSUMER } from '../src/app';
import { invitationToken, ONE, SIGN, signingCode, startEnv, type Env } from './env';

describe('sign: contracts issued by lending', () => {
  let env: Env;
  beforeAll(async () => { env = await startEnv('sign_contract'); });
  afterAll(async () => { await env?.stop(); });

  test('a contract becomes a sent request once, and its completion carries the externalRef', async () => {
    const applicationId = crypto.randomUUID();
    const externalRef = `application:${applicationId}:contract`;
    const envelope = await publishEvent(env.bus, 'lending.contract.issued', {
      applicationId, externalRef, title: 'Contrato de crédito 0042', locale: 'es',
      body: 'CLÁUSULA PRIMERA. El prestatario recibe USD 1.500,00...\nCLÁUSULA SEGUNDA. Pagará en 12 cuotas mensuales.',
      signers: [{ name: 'María Chávez', email: 'maria.contract@example.com', phone: null, userId: env.borrowerId }],
      signingOrder: 'SEQUENTIAL',
    }, { tenantId: env.tenantA });
    const row = await waitFor(async () => (await env.sql(`select id, status from sign.requests where external_ref = $1`, [externalRef]))[0], 20_000);
    expect(row.status).toBe('SENT');
    // A redelivery (another message id past the duplicate window) is absorbed.
    await publishEnvelope(env.bus, envelope, { msgId: `${envelope.id}-again` });
    await waitForConsumerIdle(env.bus, CONTRACTS_CONSUMER);
    expect(await env.sql(`select count(*)::int as n from sign.requests where external_ref = $1`, [externalRef])).toEqual([{ n: 1 }]);

    const view = (await env.call(ONE, { id: row.id }, env.staff)).data.signatureRequest;
    expect(view).toMatchObject({ externalRef, title: 'Contrato de crédito 0042', signers: [{ name: 'María Chávez', status: 'INVITED' }] });
    const pdf = await PDFDocument.load(Buffer.from((await env.call(`query($id: ID!) { signatureRequest(id: $id) { documents { contentBase64 } } }`, { id: row.id }, env.staff)).data.signatureRequest.documents[0].contentBase64, 'base64'));
    expect(pdf.getPageCount()).toBe(1);

    const token = await invitationToken(env, 'maria.contract@example.com');
    const code = await signingCode(env, token, 'maria.contract@example.com');
    const signed = await env.call(SIGN, { input: { token, code, accept: true } });
    expect(signed.data.signDocument.session.requestStatus).toBe('COMPLETED');
    const events = await env.sql(`select subject, envelope->'data' as data from sign.outbox where subject in ('sign.signer.signed', 'sign.signature.completed') and envelope->'data'->>'externalRef' = $1 order by created_at`, [externalRef]);
    expect(events.map((e: { subject: string }) => e.subject)).toEqual(['sign.signer.signed', 'sign.signature.completed']);
    expect(events[1].data).toMatchObject({ signatureRequestId: row.id, externalRef, documentSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  test('a contract sign cannot accept (no usable signer) creates nothing and does not block the consumer', async () => {
    const bad = `application:${crypto.randomUUID()}:contract`;
    await publishEvent(env.bus, 'lending.contract.issued', {
      applicationId: crypto.randomUUID(), externalRef: bad, title: 'Contrato', locale: 'es', body: 'Texto',
      signers: [{ name: 'Sin contacto', email: null, phone: null, userId: null }], signingOrder: 'SEQUENTIAL',
    }, { tenantId: env.tenantA });
    const good = `application:${crypto.randomUUID()}:contract`;
    await publishEvent(env.bus, 'lending.contract.issued', {
      applicationId: crypto.randomUUID(), externalRef: good, title: 'Contrato', locale: 'en', body: 'Text',
      signers: [{ name: 'Joe', email: 'joe.contract@example.com', phone: null, userId: null }], signingOrder: 'PARALLEL',
    }, { tenantId: env.tenantA });
    await waitFor(async () => (await env.sql(`select 1 from sign.requests where external_ref = $1`, [good]))[0], 20_000);
    expect(await env.sql(`select count(*)::int as n from sign.requests where external_ref = $1`, [bad])).toEqual([{ n: 0 }]);
  });
});
