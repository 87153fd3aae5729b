/**
 * What the portal's browser suites share: the platform (e2e harness) with the gateway serving the
 * portal build at / (built first when stale), two tenants answering on `<slug>.localhost` (Chromium
 * resolves every *.localhost name to the loopback address, where the gateway listens), each with a
 * published product whose pipeline runs end to end on the real flow, sign and notifications, and the
 * local mailbox the OTPs and signing codes are read from (as e2e/origination.e2e.test.ts does).
 */
import path from 'node:path';
import { waitFor } from '@imagy/platform/testing';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { CREATE_TENANT, CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from '../harness';
import { ADD_STEP, BUREAU_STEPS, CREATE_FLOW, FORM_STEP, PUBLISH_FLOW } from '../origination-fixtures';
import { checkPage, ensurePortalBuild, launchBrowser, watchPage } from '../console/browser';

export const PORTAL_ARTIFACTS = path.resolve(__dirname, '..', 'artifacts', 'portal');
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' };

/** The identity flow asks the borrower for a photo of their ID (a DOCUMENT step), then the mock liveness provider runs. */
const KYC_DOC_STEPS = [
  { key: 'id_photo', name: 'Identificación', type: 'DOCUMENT' },
  { key: 'liveness', name: 'Prueba de vida', type: 'PROVIDER', capability: 'LIVENESS', inputMapping: { documentNumber: 'context.form.documentNumber' } },
];

export const pipelineOf = (title: string, footer: string) => [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title, blocks: [{ kind: 'TEXT', text: 'Hasta 50,000 MXN, sin papeleo.' }], legalFooter: footer } },
  { key: 'registration', type: 'USER_REGISTRATION', enabled: true, config: {} },
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS'] } },
  { key: 'contact', type: 'CONTACT_VERIFICATION', enabled: true, config: { channel: 'EMAIL', requireUnique: true } },
  FORM_STEP,
  { key: 'compliance', type: 'COMPLIANCE_CHECK', enabled: true, config: { flowCode: 'BUREAU', scorePath: 'steps.bureau.output.score' } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { autoApproveMaxAmount: '50000' } },
  { key: 'identity', type: 'IDENTITY_VALIDATION', enabled: true, config: { flowCode: 'KYC_DOC' } },
  { key: 'signature', type: 'DOCUMENT_SIGNATURE', enabled: true, config: { title: `Contrato ${title}` } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];

export interface PortalTenant { slug: string; host: string; admin: string; productId: string; productCode: string }

export interface PortalWorld {
  p: Platform;
  browser: Browser;
  contexts: BrowserContext[];
  problems: string[][];
  /** http://<slug>.localhost:<port> */
  origin(slug: string): string;
  tenants: Record<string, PortalTenant>;
  /** The newest message to `recipient` in notifications' local mailbox that `match` accepts (read as the tenant's staff). */
  mail(tenant: PortalTenant, recipient: string, match: (body: string) => boolean, after?: number): Promise<string>;
  mailCount(tenant: PortalTenant, recipient: string): Promise<number>;
  page(viewport: { width: number; height: number }, locale?: string): Promise<Page>;
  check(page: Page, name: string): Promise<void>;
  stop(): Promise<void>;
}

/** An empty list of userErrors, or a thrown error naming them (no jest here: bench/portal-load.ts sets up the same world). */
function noErrors(errors: unknown, what: string): void {
  if (!Array.isArray(errors) || errors.length) throw new Error(`${what}: ${JSON.stringify(errors)}`);
}

const MAILBOX = `query($recipient: String) { localMailbox(first: 50, recipient: $recipient) { edges { node { body } } } }`;

async function setUpTenant(p: Platform, platformAdmin: string, slug: string, name: string, productCode: string, title: string): Promise<PortalTenant> {
  const host = `${slug}.localhost`;
  const t = await p.call(CREATE_TENANT, { input: { slug, name, hostnames: [host], currency: 'MXN' } }, platformAdmin);
  noErrors(t.data?.createTenant.userErrors, `createTenant ${slug}`);
  const tenantId = t.data.createTenant.tenant.id;
  await p.call(CREATE_USER, { input: { tenantId, email: `admin@${host}`, displayName: 'Admin', roles: ['tenant_admin'], password: 'admin-password-1' } }, platformAdmin);
  const admin = (await p.login(slug, `admin@${host}`, 'admin-password-1')).accessToken;
  await p.call(CREATE_USER, { input: { email: `checker@${host}`, displayName: 'Checker', roles: ['tenant_admin'], password: 'checker-password-1' } }, admin);
  const checker = (await p.login(slug, `checker@${host}`, 'checker-password-1')).accessToken;
  for (const [code, steps] of [['BUREAU', BUREAU_STEPS], ['KYC_DOC', KYC_DOC_STEPS]] as const) {
    const f = await p.call(CREATE_FLOW, { input: { code, name: code } }, admin);
    const versionId = f.data.createFlow.flow.draftVersion.id;
    for (const step of steps) noErrors((await p.call(ADD_STEP, { input: { versionId, ...step } }, admin)).data?.addFlowStep.userErrors, `addFlowStep ${step.key}`);
    noErrors((await p.call(PUBLISH_FLOW, { input: { versionId } }, admin)).data?.publishFlowVersion.userErrors, `publishFlowVersion ${code}`);
  }
  const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: productCode, name: title, currency: 'MXN', terms: TERMS } }, admin);
  const { product, version } = created.data.createCreditProduct;
  const piped = await p.call(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { input: { versionId: version.id, steps: pipelineOf(title, `${name} S.A. de C.V.`) } }, admin);
  noErrors(piped.data?.updateDraftPipeline.userErrors, 'updateDraftPipeline');
  await p.call(`mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { version } userErrors { code } } }`, { input: { code: 'TERMS', locale: 'es', title: 'Términos y condiciones', body: `Términos y condiciones de ${name}.` } }, admin);
  const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: version.id } }, admin);
  await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
  // The landing is public once lending's projection of the tenant (identity's event) and the publication are in.
  await waitFor(async () => (await p.call(`query($c: String!, $h: String!) { originationLanding(productCode: $c, host: $h) { productId } }`, { c: productCode, h: host })).data?.originationLanding, 20_000, 200);
  return { slug, host, admin, productId: product.id, productCode };
}

const TENANTS = {
  presto: ['Presto Financiera', 'PRESTO', 'Crédito Presto'],
  cumbre: ['Cumbre Crédito', 'CUMBRE', 'Préstamo Cumbre'],
} as const;

/** The platform with the portal and the named tenants (each with its flows, product and legal text). */
export async function startPortalWorld(label: string, names: (keyof typeof TENANTS)[]): Promise<PortalWorld> {
  const dist = ensurePortalBuild()!;
  const p = await startPlatform({ label, portal: dist });
  const browser = await launchBrowser();
  const port = new URL(p.gatewayUrl).port;
  const platformAdmin = (await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD)).accessToken;
  const tenants: Record<string, PortalTenant> = {};
  for (const slug of names) {
    const [name, productCode, title] = TENANTS[slug];
    tenants[slug] = await setUpTenant(p, platformAdmin, slug, name, productCode, title);
  }
  const contexts: BrowserContext[] = [];
  const problems: string[][] = [];
  const bodies = async (tenant: PortalTenant, recipient: string) => ((await p.call(MAILBOX, { recipient }, tenant.admin)).data?.localMailbox.edges ?? []).map((e: { node: { body: string } }) => e.node.body) as string[];
  return {
    p, browser, contexts, problems, tenants,
    origin: (slug) => `http://${slug}.localhost:${port}`,
    async mail(tenant, recipient, match, after = 0) {
      return waitFor(async () => {
        const all = await bodies(tenant, recipient);
        // Newest first: only the messages that arrived after `after` were counted.
        return all.slice(0, Math.max(0, all.length - after)).find(match) ?? null;
      }, 30_000, 250);
    },
    mailCount: async (tenant, recipient) => (await bodies(tenant, recipient)).length,
    async page(viewport, locale = 'es-MX') {
      const context = await browser.newContext({ viewport, locale, acceptDownloads: true });
      contexts.push(context);
      const page = await context.newPage();
      problems.push(watchPage(page));
      return page;
    },
    check: (page, name) => checkPage(page, name, PORTAL_ARTIFACTS),
    async stop() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await p.stop();
    },
  };
}
