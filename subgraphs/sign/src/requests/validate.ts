/** Input rules of a signature request, shared by the GraphQL mutation and lending's contract consumer. */
import { isUuid } from '@imagy/platform/db';
import { notPlainText } from '@imagy/platform/graphql';
import { reject } from '../i18n/messages';
import { readPdf } from '../seal/pdf';
import type { ProviderKind, SignerRole, SigningOrder, Strategy } from './requests.store';

export const MAX_TITLE = 200;
export const MAX_DOCUMENTS = 5;
export const MAX_SIGNERS = 10;
/** Decoded bytes of one uploaded PDF: base64 of it stays under the 1 MiB request body limit. */
export const MAX_DOCUMENT_BYTES = 700 * 1024;
export const EXPIRY_DAYS = { min: 1, max: 90 };
export const LOCALES = ['es', 'en'];
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const EMAIL = /^[^\s@<>(),;:"[\]]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$/;
const PHONE = /^\+[1-9]\d{7,14}$/;
const EXTERNAL_REF = /^[\x21-\x7e]{1,200}$/;

export interface CleanSigner { name: string; email: string | null; phone: string | null; role: SignerRole; userId: string | null }
export interface CleanDocument { name: string; content: Buffer }
export interface CleanRequest {
  title: string; signingOrder: SigningOrder; strategy: Strategy; expiresInDays: number; locale: string; externalRef: string | null; provider: ProviderKind;
  documents: CleanDocument[]; signers: CleanSigner[];
}

export interface RawRequest {
  title: string; signingOrder?: SigningOrder | null; strategy?: Strategy | null; expiresInDays?: number | null; locale?: string | null; externalRef?: string | null;
  provider?: ProviderKind | null;
  documents: Array<{ name: string; contentBase64?: string; content?: Buffer }>;
  signers: Array<{ name: string; email?: string | null; phone?: string | null; role?: SignerRole | null; userId?: string | null }>;
}

export const plainLine = (text: string, max: number): string | null => {
  const t = text.trim();
  return t && t.length <= max && !notPlainText(t) ? t : null;
};

/** `providers`: the external providers this installation configured. */
export async function cleanRequest(input: RawRequest, providers: readonly ProviderKind[] = []): Promise<CleanRequest> {
  const title = plainLine(input.title, MAX_TITLE);
  if (!title) return reject('TITLE_INVALID', { field: 'title', params: { max: MAX_TITLE } });
  const signingOrder = input.signingOrder ?? 'SEQUENTIAL';
  const strategy = input.strategy ?? 'EVIDENCE_PACKAGE';
  if (strategy === 'SEQUENTIAL_COPIES' && signingOrder !== 'SEQUENTIAL') reject('STRATEGY_NEEDS_SEQUENTIAL', { field: 'strategy' });
  const provider = input.provider ?? 'BUILT_IN';
  if (provider !== 'BUILT_IN' && !providers.includes(provider)) reject('PROVIDER_NOT_CONFIGURED', { field: 'provider', params: { provider } });
  if (provider !== 'BUILT_IN' && strategy !== 'EVIDENCE_PACKAGE') reject('PROVIDER_STRATEGY', { field: 'strategy' });
  const expiresInDays = input.expiresInDays ?? 14;
  if (!Number.isInteger(expiresInDays) || expiresInDays < EXPIRY_DAYS.min || expiresInDays > EXPIRY_DAYS.max) reject('EXPIRY_OUT_OF_RANGE', { field: 'expiresInDays', params: EXPIRY_DAYS });
  const locale = input.locale ?? 'es';
  if (!LOCALES.includes(locale)) reject('LOCALE_INVALID', { field: 'locale' });
  const externalRef = input.externalRef ?? null;
  if (externalRef !== null && !EXTERNAL_REF.test(externalRef)) reject('EXTERNAL_REF_INVALID', { field: 'externalRef' });

  if (input.documents.length < 1 || input.documents.length > MAX_DOCUMENTS) reject('DOCUMENTS_COUNT', { field: 'documents', params: { max: MAX_DOCUMENTS } });
  const documents: CleanDocument[] = [];
  for (const [i, d] of input.documents.entries()) {
    const name = plainLine(d.name, 120);
    if (!name) return reject('DOCUMENT_NAME_INVALID', { field: `documents[${i}].name` });
    let content = d.content;
    if (!content) {
      const b64 = d.contentBase64 ?? '';
      if (b64.length > Math.ceil(MAX_DOCUMENT_BYTES / 3) * 4) reject('DOCUMENT_TOO_LARGE', { field: `documents[${i}].contentBase64`, params: { max: MAX_DOCUMENT_BYTES } });
      if (!b64 || b64.length % 4 !== 0 || !BASE64.test(b64)) reject('DOCUMENT_NOT_BASE64', { field: `documents[${i}].contentBase64` });
      content = Buffer.from(b64, 'base64');
    }
    if (content.length > MAX_DOCUMENT_BYTES) reject('DOCUMENT_TOO_LARGE', { field: `documents[${i}].contentBase64`, params: { max: MAX_DOCUMENT_BYTES } });
    if (!(await readPdf(content))) reject('DOCUMENT_NOT_PDF', { field: `documents[${i}].contentBase64` });
    documents.push({ name, content });
  }

  if (input.signers.length < 1 || input.signers.length > MAX_SIGNERS) reject('SIGNERS_COUNT', { field: 'signers', params: { max: MAX_SIGNERS } });
  const signers: CleanSigner[] = [];
  for (const [i, s] of input.signers.entries()) {
    const name = plainLine(s.name, 120);
    if (!name) return reject('SIGNER_NAME_INVALID', { field: `signers[${i}].name` });
    const email = s.email?.trim().toLowerCase() || null;
    const phone = s.phone?.trim() || null;
    if (!email && !phone) reject('SIGNER_CONTACT_REQUIRED', { field: `signers[${i}].email` });
    if (email && (email.length > 254 || !EMAIL.test(email))) reject('SIGNER_EMAIL_INVALID', { field: `signers[${i}].email` });
    if (phone && !PHONE.test(phone)) reject('SIGNER_PHONE_INVALID', { field: `signers[${i}].phone` });
    const userId = s.userId ?? null;
    if (userId !== null && !isUuid(userId)) reject('SIGNER_USER_INVALID', { field: `signers[${i}].userId` });
    signers.push({ name, email, phone, role: s.role ?? 'SIGNER', userId });
  }
  if (!signers.some((s) => s.role !== 'VIEWER')) reject('NO_SIGNING_SIGNER', { field: 'signers' });
  return { title, signingOrder, strategy, expiresInDays, locale, externalRef, provider, documents, signers };
}
