/**
 * Sign benchmark (not run by `npm test`): `npm run bench:sign`.
 * Signatures/s end to end through the gateway with the local providers, on the platform the e2e
 * harness starts: staff create and send one-signer requests (PDF checked and hashed, invitation sent
 * by notifications over the internal call); then each signer, concurrently, reads the link from the
 * local mailbox, asks for a code, reads it and signs. Every signature completes its request, so each
 * one also pays the certificate page, the PAdES seal (RSA-2048) and the outbox events.
 * Notifications' OTP limit per client IP is raised for the run (every signer here is 127.0.0.1).
 * Options: `--requests N` (default 200), `--concurrency C` (default 8).
 */
import crypto from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { gql } from '@imagy/platform/testing';
import { DEV_PASSWORD, startPlatform } from '../e2e/harness';
import { arg } from './args';

process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
process.env.GATEWAY_USER_RPM = '0';

const REQUESTS = arg('requests', 200);
const CONCURRENCY = arg('concurrency', 8);

const CREATE = `mutation($input: CreateSignatureRequestInput!) { createSignatureRequest(input: $input) { signatureRequest { id } userErrors { code } } }`;
const SEND = `mutation($id: ID!) { sendSignatureRequest(input: { id: $id }) { signatureRequest { status } userErrors { code } } }`;
const MAILBOX = `query($recipient: String) { localMailbox(first: 5, recipient: $recipient) { edges { node { body } } } }`;
const CODE = `mutation($token: String!) { requestSigningCode(input: { token: $token }) { userErrors { code } } }`;
const SIGN = `mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus } userErrors { code } } }`;

async function pool(n: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, async () => { for (let i = next++; i < n; i = next++) await work(i); }));
  return (performance.now() - started) / 1000;
}

async function main() {
  const p = await startPlatform({ label: 'benchsign', notifications: { otp: { resendCooldownMs: 0, perIpPerHour: 1_000_000, perDestinationPerHour: 1_000 } } });
  const rows: [string, string, string][] = [];
  try {
    const staff = (await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD)).accessToken;
    const doc = await PDFDocument.create();
    const font = await doc.embedFont(StandardFonts.Helvetica);
    for (let i = 0; i < 3; i++) doc.addPage().drawText(`Contrato de crédito, página ${i + 1}`, { x: 50, y: 700, font });
    const pdf = Buffer.from(await doc.save()).toString('base64');
    const run = crypto.randomBytes(3).toString('hex');
    const email = (i: number) => `bench.${run}.${i}@demo.test`;
    const ids: string[] = [];

    const createSecs = await pool(REQUESTS, async (i) => {
      const c = await gql(p.gatewayUrl, CREATE, { input: { title: `Contrato ${i}`, documents: [{ name: 'contrato.pdf', contentBase64: pdf }], signers: [{ name: `Firmante ${i}`, email: email(i) }] } }, { token: staff });
      if (c.errors || c.data.createSignatureRequest.userErrors.length) throw new Error(JSON.stringify(c.errors ?? c.data));
      const s = await gql(p.gatewayUrl, SEND, { id: c.data.createSignatureRequest.signatureRequest.id }, { token: staff });
      if (s.data?.sendSignatureRequest.signatureRequest?.status !== 'SENT') throw new Error(JSON.stringify(s.errors ?? s.data));
      ids[i] = c.data.createSignatureRequest.signatureRequest.id;
    });
    rows.push(['create + send (PDF check, hash, invitation by notifications)', `${(REQUESTS / createSecs).toFixed(1)} requests/s`, `${REQUESTS} requests, ${CONCURRENCY} concurrent, ${createSecs.toFixed(2)} s`]);

    const bodies = async (to: string) => ((await gql(p.gatewayUrl, MAILBOX, { recipient: to }, { token: staff })).data.localMailbox.edges as { node: { body: string } }[]).map((e) => e.node.body);
    const signSecs = await pool(REQUESTS, async (i) => {
      const token = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec((await bodies(email(i))).find((b) => b.includes('/sign/'))!)![1]!;
      const asked = await gql(p.gatewayUrl, CODE, { token });
      if (asked.errors || asked.data.requestSigningCode.userErrors.length) throw new Error(JSON.stringify(asked.errors ?? asked.data));
      const code = /(\d{6})/.exec((await bodies(email(i))).find((b) => !b.includes('/sign/'))!)![1]!;
      const signed = await gql(p.gatewayUrl, SIGN, { input: { token, code, accept: true } });
      if (signed.data?.signDocument.session?.requestStatus !== 'COMPLETED') throw new Error(JSON.stringify(signed.errors ?? signed.data));
    });
    rows.push(['signature end to end (link, code by the local provider, sign, seal)', `${(REQUESTS / signSecs).toFixed(1)} signatures/s`, `${REQUESTS} signers, ${CONCURRENCY} concurrent, ${signSecs.toFixed(2)} s`]);
    const [sealed] = await p.sql<{ n: string }>(`select count(*) as n from sign.documents where kind = 'SEALED'`);
    rows.push(['sealed documents written', sealed!.n, 'one per completed request']);
  } finally {
    await p.stop();
  }
  process.stdout.write(`\n| measurement | result | detail |\n|---|---|---|\n${rows.map((r) => `| ${r.join(' | ')} |`).join('\n')}\n`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
