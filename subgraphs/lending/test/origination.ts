/**
 * Fixtures of the origination tests: lending (test/harness.ts) plus notifications in-process on the
 * same database and bus (the OTP of CONTACT_VERIFICATION is its signed internal call), a product
 * with a configured pipeline, legal documents, and helpers that play flow and sign by publishing
 * their events on the real bus (the public interface of the other side).
 */
import { gql, publishEvent, waitFor } from '@imagy/platform/testing';
import type { EventCatalogue, EventSubject } from '@imagy/platform/events';
import { startNotifications, type RunningNotifications } from '../../notifications/src/app';
import { APPROVE, CREATE_PRODUCT, REQUEST_PUBLICATION, startHarness, TERMS, type Harness } from './harness';

export interface Origination extends Harness {
  notifications: RunningNotifications;
  /** The latest OTP code notifications delivered to `destination` through its local provider. */
  otpCode(tenantId: string, destination: string): Promise<string>;
  publish<S extends EventSubject>(subject: S, data: EventCatalogue[S], tenantId: string): Promise<void>;
  app(id: string, token: string): Promise<any>;
  waitStep(id: string, token: string, key: string, state: string): Promise<any>;
  outbox(subject: string, applicationId: string): Promise<any[]>;
  close(): Promise<void>;
}

export async function startOrigination(label: string, options: { originationJobMs?: number } = {}): Promise<Origination> {
  const h = await startHarness(label, options);
  const notifications = await startNotifications({ adminUrl: h.db.adminUrl, port: 0, host: '127.0.0.1', nc: h.bus.nc, ns: h.bus.ns, signer: h.bus.signer, verifier: h.issuer.verifier, options: { otp: { resendCooldownMs: 0 } } });
  const o: Origination = {
    ...h,
    notifications,
    async otpCode(tenantId, destination) {
      const staff = await h.token(tenantId, ['staff']);
      const box = await waitFor(async () => {
        const r = await gql(notifications.url, 'query($r: String) { localMailbox(first: 5, recipient: $r) { edges { node { body } } } }', { r: destination }, { token: staff });
        return r.data?.localMailbox.edges[0]?.node.body as string | undefined;
      });
      return /(\d{6})/.exec(box)![1]!;
    },
    async publish(subject, data, tenantId) {
      await publishEvent(h.bus, subject, data, { tenantId });
    },
    async app(id, token) {
      const r = await h.call(`query($id: ID!) { creditApplication(id: $id) { ${APPLICATION_FIELDS} } }`, { id }, token);
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      return r.data.creditApplication;
    },
    async waitStep(id, token, key, state) {
      return waitFor(async () => {
        const a = await o.app(id, token);
        return a?.steps.find((s: any) => s.key === key)?.state === state ? a : null;
      }, 20_000);
    },
    outbox: (subject, applicationId) => h.adminSql(`select envelope->'data' as data from lending.outbox where subject = $1 and envelope->'data'->>'applicationId' = $2 order by created_at`, [subject, applicationId]).then((rows) => rows.map((r) => r.data)),
    async close() {
      await notifications.stop();
      await h.close();
    },
  };
  return o;
}

export const APPLICATION_FIELDS = `id status currentStep amount currency term decisionReason borrower { id } product { code } version { id number }
  steps { key type position state input output startedAt completedAt }
  consents { stepKey documentCode documentVersion sha256 ip userAgent deviceFingerprint acceptedAt }
  credit { id status principal source numberOfInstallments schedule { number dueDate totalDue } }`;
export const PAYLOAD = `application { ${APPLICATION_FIELDS} } replayed userErrors { code message field }`;
export const START = `mutation($input: StartApplicationInput!) { startApplication(input: $input) { ${PAYLOAD} } }`;
export const SUBMIT = `mutation($input: SubmitApplicationStepInput!) { submitApplicationStep(input: $input) { ${PAYLOAD} } }`;
export const REVIEW = `mutation($input: ReviewApplicationInput!) { reviewApplication(input: $input) { ${PAYLOAD} } }`;
export const WITHDRAW = `mutation($input: WithdrawApplicationInput!) { withdrawApplication(input: $input) { ${PAYLOAD} } }`;
export const CANCEL = `mutation($input: CancelApplicationInput!) { cancelApplication(input: $input) { ${PAYLOAD} } }`;
export const UPDATE_PIPELINE = `mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { version { id status pipeline { isDefault steps { key type enabled config runWhen { minAmount maxAmount } } } } userErrors { code message field } } }`;
export const PUBLISH_DOC = `mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { id code version locale sha256 } userErrors { code message field } } }`;

/** The whole journey of seed 3.11-3.21 (compliance, review with maker-checker above 50000, identity, signature). */
export const FULL_PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Crédito personal', blocks: [{ kind: 'TEXT', text: 'Hasta 100,000 MXN' }, { kind: 'IMAGE', url: 'https://cdn.example.test/hero.png', alt: 'Hero' }], legalFooter: 'Imagy Financiera S.A.' } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS', 'PRIVACY'] } },
  { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'SMS', requireUnique: true } },
  { key: 'form', type: 'FORM', enabled: true, config: { fields: [
    { key: 'fullName', type: 'TEXT', label: { es: 'Nombre', en: 'Name' }, required: true, minLength: 3, maxLength: 100 },
    { key: 'income', type: 'NUMBER', label: { es: 'Ingreso', en: 'Income' }, required: true, min: '1000', max: '1000000' },
    { key: 'employment', type: 'SELECT', label: { es: 'Empleo', en: 'Employment' }, required: true, options: ['EMPLOYED', 'SELF_EMPLOYED'] },
    { key: 'company', type: 'TEXT', label: { es: 'Empresa', en: 'Company' }, required: true, visibleWhen: { field: 'employment', equals: 'EMPLOYED' } },
    { key: 'rfc', type: 'TEXT', label: { es: 'RFC', en: 'RFC' }, required: false, pattern: '[A-Z]{4}[0-9]{6}[A-Z0-9]{3}' },
  ] } },
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAU_AML' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { makerCheckerAboveAmount: '50000' } },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: 'Contrato', template: 'Contrato de {{borrowerName}}: {{amount}} {{currency}} a {{term}} cuotas de {{installment}}; CAT {{cat}} %; comisiones {{fees}}.\n{{schedule}}' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];

/** A tenant's product published with `pipeline` (maker and checker distinct), plus its TERMS and PRIVACY documents. */
export async function productWithPipeline(h: Harness, tenantId: string, code: string, pipeline: unknown[]) {
  const maker = await h.token(tenantId, ['tenant_admin']);
  const checker = await h.token(tenantId, ['product_checker']);
  const created = await h.call(CREATE_PRODUCT, { input: { code, name: `Product ${code}`, currency: 'MXN', terms: { ...TERMS, fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }] } } }, maker);
  if (created.errors || created.data.createCreditProduct.userErrors.length) throw new Error(JSON.stringify(created.errors ?? created.data.createCreditProduct.userErrors));
  const versionId = created.data.createCreditProduct.version.id as string;
  const updated = await h.call(UPDATE_PIPELINE, { input: { versionId, steps: pipeline } }, maker);
  if (updated.errors || updated.data.updateDraftPipeline.userErrors.length) throw new Error(JSON.stringify(updated.errors ?? updated.data.updateDraftPipeline.userErrors));
  const cr = await h.call(REQUEST_PUBLICATION, { input: { versionId } }, maker);
  const approved = await h.call(APPROVE, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
  if (approved.errors || approved.data.approveChangeRequest.userErrors.length) throw new Error(JSON.stringify(approved.errors ?? approved.data.approveChangeRequest.userErrors));
  return { productId: created.data.createCreditProduct.product.id as string, versionId, maker, checker };
}

export async function legalDocuments(h: Harness, tenantId: string): Promise<Record<string, number>> {
  const maker = await h.token(tenantId, ['tenant_admin']);
  const out: Record<string, number> = {};
  for (const code of ['TERMS', 'PRIVACY']) {
    const r = await h.call(PUBLISH_DOC, { input: { code, locale: 'es', title: `${code} v`, body: `Texto de ${code}.\nCláusula 1.` } }, maker);
    if (r.errors || r.data.publishLegalDocument.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.publishLegalDocument.userErrors));
    out[code] = r.data.publishLegalDocument.document.version;
  }
  return out;
}
