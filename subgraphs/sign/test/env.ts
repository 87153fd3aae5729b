/**
 * sign and notifications in-process on a fresh database and a private NATS namespace (sign asks
 * notifications for codes and invitations over the signed internal call), with tokens of two tenants
 * and helpers that read what the local provider delivered. Only tests import notifications' starter.
 */
import crypto from 'node:crypto';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { createTestBus, createTestDb, createTestIssuer, gql, sqlRows, waitFor, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startNotifications, type RunningNotifications } from '../../notifications/src/app';
import { startSign, type RunningSign, type SignOptions } from '../src/app';

export interface Env {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  sign: RunningSign;
  notifications: RunningNotifications;
  tenantA: string;
  tenantB: string;
  staff: string;
  staffB: string;
  /** A borrower of tenant A (signer of the requests the tests make). */
  borrower: string;
  borrowerId: string;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<{ data?: T; errors?: { message: string; extensions?: { code?: string } }[] }>;
  sql<T extends Record<string, unknown> = any>(query: string, params?: unknown[]): Promise<T[]>;
  /** Bodies the local provider delivered to `recipient` in tenant A, newest first. */
  mailbox(recipient: string, tenant?: 'A' | 'B'): Promise<string[]>;
  stop(): Promise<void>;
}

const MAILBOX = `query($recipient: String) { localMailbox(first: 50, recipient: $recipient) { edges { node { body } } } }`;

export async function startEnv(label: string, signOptions: Partial<SignOptions> = {}): Promise<Env> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const deps = { adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 5 };
  const notifications = await startNotifications({ ...deps, options: { otp: { resendCooldownMs: 0 } } });
  const sign = await startSign({ ...deps, options: { signingBaseUrl: 'https://portal.test/sign', ...signOptions } });
  const tenantA = crypto.randomUUID();
  const tenantB = crypto.randomUUID();
  const borrowerId = crypto.randomUUID();
  const staff = await issuer.mint({ tenantId: tenantA, roles: ['staff'] });
  const staffB = await issuer.mint({ tenantId: tenantB, roles: ['staff'] });
  return {
    db, bus, issuer, sign, notifications, tenantA, tenantB, staff, staffB, borrowerId,
    borrower: await issuer.mint({ tenantId: tenantA, roles: ['borrower'], userId: borrowerId }),
    call: (query, variables, token, headers) => gql(sign.url, query, variables, { token, headers }),
    sql: (query, params) => sqlRows(db.adminUrl, query, params),
    async mailbox(recipient, tenant = 'A') {
      const r = await gql(notifications.url, MAILBOX, { recipient }, { token: tenant === 'A' ? staff : staffB });
      return (r.data.localMailbox.edges as { node: { body: string } }[]).map((e) => e.node.body);
    },
    async stop() {
      await sign.stop();
      await notifications.stop();
      await bus.close();
      await db.drop();
    },
  };
}

/** A small real PDF (pdf-lib) with one line of text. */
export async function samplePdf(text = 'Contrato de prueba'): Promise<string> {
  const doc = await PDFDocument.create();
  const page = doc.addPage([595, 842]);
  page.drawText(text, { x: 50, y: 780, size: 14, font: await doc.embedFont(StandardFonts.Helvetica) });
  return Buffer.from(await doc.save()).toString('base64');
}

export const REQUEST_FIELDS = `id title status signingOrder strategy externalRef completedAt
  documents { id name sha256 sizeBytes sealed } signers { id name email phone role order status signedAt signingUrl }
  sealedDocument { id sha256 sealed contentBase64 } trail { seq action signerId prevHash hash } trailVerified`;
export const CREATE = `mutation($input: CreateSignatureRequestInput!) { createSignatureRequest(input: $input) { signatureRequest { ${REQUEST_FIELDS} } userErrors { code message field } } }`;
export const SEND = `mutation($id: ID!) { sendSignatureRequest(input: { id: $id }) { signatureRequest { ${REQUEST_FIELDS} } userErrors { code message field } } }`;
export const CANCEL = `mutation($id: ID!, $reason: String!) { cancelSignatureRequest(input: { id: $id, reason: $reason }) { signatureRequest { id status } userErrors { code message field } } }`;
export const ONE = `query($id: ID!) { signatureRequest(id: $id) { ${REQUEST_FIELDS} } }`;
export const SESSION = `query($token: String!) { signingSession(token: $token) { session { title requestStatus signerName signerStatus order canSign documents { name sha256 contentBase64 } } userErrors { code message field } } }`;
export const REQUEST_CODE = `mutation($token: String!) { requestSigningCode(input: { token: $token }) { destinationMasked expiresAt userErrors { code message field } } }`;
export const SIGN = `mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus signerStatus canSign } userErrors { code message field } } }`;
export const REJECT = `mutation($token: String!, $reason: String!) { rejectSignature(input: { token: $token, reason: $reason }) { session { requestStatus signerStatus } userErrors { code message field } } }`;
export const VERIFY = `query($content: String, $sha: String) { verifySignedDocument(contentBase64: $content, sha256: $sha) { valid sha256 signatureRequest { id status } userErrors { code field } } }`;

/** The signing token in the newest invitation delivered to `recipient`. */
export async function invitationToken(env: Env, recipient: string, tenant: 'A' | 'B' = 'A', skip = 0): Promise<string> {
  const body = await waitFor(async () => (await env.mailbox(recipient, tenant)).filter((b) => b.includes('/sign/'))[skip], 10_000);
  return /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(body)![1]!;
}

/** Asks for a code with the token and returns the code the local provider delivered. */
export async function signingCode(env: Env, token: string, recipient: string, tenant: 'A' | 'B' = 'A'): Promise<string> {
  const before = (await env.mailbox(recipient, tenant)).length;
  const r = await env.call(REQUEST_CODE, { token });
  if (r.errors || r.data.requestSigningCode.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.requestSigningCode.userErrors));
  const body = await waitFor(async () => {
    const all = await env.mailbox(recipient, tenant);
    return all.length > before ? all[0] : null;
  });
  return /(\d{6})/.exec(body!)![1]!;
}
