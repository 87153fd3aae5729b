/**
 * The console's origination modules in a real browser (Debian's chromium through playwright-core)
 * against the whole platform: an application created through the API reaches the manual review
 * queue; staff see its step timeline and consent evidence, approve it from the queue (maker-checker:
 * a second, different reviewer completes the approval above the review step's limit) and the API
 * shows it advanced to disbursement. axe-core on every page; screenshots as artifacts.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import { PDFDocument, StandardFonts } from 'pdf-lib';
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from '../harness';
import { checkPage, ensureConsoleBuild, browserSuite, signInPage } from './browser';

jest.setTimeout(240_000);

const TERMS = { minAmount: '1000', maxAmount: '50000', minTerm: 3, maxTerm: 24, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '24' };
const PIPELINE = [
  { key: 'landing', type: 'LANDING', enabled: true, config: { title: 'Crédito Ágil', blocks: [{ kind: 'TEXT', text: 'Hasta 50,000' }], legalFooter: 'Demo S.A.' } },
  { key: 'consent', type: 'LEGAL_CONSENT', enabled: true, config: { documents: ['TERMS'] } },
  { key: 'review', type: 'MANUAL_REVIEW', enabled: true, config: { makerCheckerAboveAmount: '10000' } },
  { key: 'disbursement', type: 'DISBURSEMENT', enabled: true, config: { channel: 'BANK_TRANSFER' } },
];
const APPLICATION = `query($id: ID!) { creditApplication(id: $id) { status currentStep steps { key state output } credit { id status } } }`;

describe('console origination modules in the browser', () => {
  let p: Platform;
  const suite = browserSuite();
  let base: string;
  let admin: string;
  let productId: string;
  const { contexts, problems } = suite;
  const PASSWORD = 'console-password-1';

  beforeAll(async () => {
    const dist = ensureConsoleBuild()!;
    p = await startPlatform({ label: 'e2econsorig', console: dist });
    base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
    admin = (await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD)).accessToken;
    for (const [email, roles] of [['checker@demo.test', ['product_checker']], ['analyst@demo.test', ['staff']], ['ana@demo.test', ['borrower']]] as const) {
      const r = await p.call(CREATE_USER, { input: { email, displayName: email === 'ana@demo.test' ? 'Ana Pérez' : email.split('@')[0], roles, password: PASSWORD } }, admin);
      expect(r.data.createUser.userErrors).toEqual([]);
    }
    // A published product with a pipeline whose review needs two reviewers above 10,000; its legal document.
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'AGIL', name: 'Ágil', currency: 'USD', terms: TERMS } }, admin);
    expect(created.data.createCreditProduct.userErrors).toEqual([]);
    productId = created.data.createCreditProduct.product.id;
    const versionId = created.data.createCreditProduct.version.id;
    const piped = await p.call(`mutation($input: UpdateDraftPipelineInput!) { updateDraftPipeline(input: $input) { userErrors { code field } } }`, { input: { versionId, steps: PIPELINE } }, admin);
    expect(piped.data.updateDraftPipeline.userErrors).toEqual([]);
    const doc = await p.call(`mutation($input: PublishLegalDocumentInput!) { publishLegalDocument(input: $input) { document { version } userErrors { code } } }`, { input: { code: 'TERMS', locale: 'en', title: 'Terms', body: 'Terms and conditions.' } }, admin);
    expect(doc.data.publishLegalDocument.userErrors).toEqual([]);
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } userErrors { code } } }`, { input: { versionId } }, admin);
    const checker = (await p.login('demo', 'checker@demo.test', PASSWORD)).accessToken;
    const ok = await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
    expect(ok.data.approveChangeRequest.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await p?.stop();
  });

  const signIn = (email: string, password: string, locale?: string) => signInPage(suite.browser, base, { contexts, problems }, email, password, locale);
  const check = checkPage;

  /** The borrower applies through the API and accepts the legal document: the application waits for review. */
  async function applyForReview(amount: string, key: string): Promise<string> {
    const ana = (await p.login('demo', 'ana@demo.test', PASSWORD)).accessToken;
    const started = await waitFor(async () => {
      const r = await p.call(`mutation($input: StartApplicationInput!) { startApplication(input: $input) { application { id currentStep } userErrors { code } } }`, { input: { productId, amount, term: 12, idempotencyKey: key } }, ana);
      return r.data?.startApplication.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r.data.startApplication;
    }, 20_000, 200);
    expect(started).toMatchObject({ userErrors: [], application: { currentStep: 'consent' } });
    const id: string = started.application.id;
    const r = await p.call(`mutation($input: SubmitApplicationStepInput!) { submitApplicationStep(input: $input) { application { currentStep steps { key state } } userErrors { code field } } }`,
      { input: { applicationId: id, stepKey: 'consent', data: { accepted: [{ code: 'TERMS', version: 1 }] }, deviceFingerprint: 'fp-console-e2e', idempotencyKey: `${key}-consent` } }, ana);
    expect(r.data.submitApplicationStep.userErrors).toEqual([]);
    expect(r.data.submitApplicationStep.application.currentStep).toBe('review');
    return id;
  }

  test('applications: the list filters by status and current step; the detail shows the timeline and consent evidence; two reviewers approve from the queue (maker-checker) and the API shows it disbursed', async () => {
    const id = await applyForReview('12000', 'console-apply-1');
    const analyst = await signIn('analyst@demo.test', PASSWORD);
    await analyst.getByRole('link', { name: 'Applications' }).click();
    await analyst.getByRole('link', { name: 'Ana Pérez' }).waitFor();
    await check(analyst, 'o30-applications-list');
    // Filters (URL and API): no application is DISBURSED yet; the one waiting review is found by its current step.
    await analyst.getByLabel('Status').selectOption('DISBURSED');
    await analyst.getByText('No applications match').waitFor();
    expect(analyst.url()).toContain('status=DISBURSED');
    await analyst.getByLabel('Status').selectOption('');
    await analyst.getByLabel('Current step type').selectOption('MANUAL_REVIEW');
    await analyst.getByLabel('Current step state').selectOption('WAITING_REVIEW');
    await analyst.getByRole('cell', { name: /review/ }).waitFor();
    expect(await analyst.getByRole('row').count()).toBe(2);

    // Detail: the timeline (landing and consent completed, review waiting) and the consent evidence.
    await analyst.getByRole('link', { name: 'Ana Pérez' }).click();
    await analyst.getByRole('heading', { name: 'Application of Ana Pérez' }).waitFor();
    const timeline = analyst.getByRole('list', { name: 'Pipeline steps' });
    expect((await timeline.getByRole('listitem').allTextContents()).map((s) => s.replace(/Started.*$/s, '').trim())).toEqual([
      '1. landing (Landing) Completed', '2. consent (Legal consent) Completed', '3. review (Manual review) Waiting for review', '4. disbursement (Disbursement) Pending',
    ]);
    const evidence = analyst.getByRole('table', { name: 'Legal consent evidence' });
    expect(await evidence.getByRole('row').nth(1).textContent()).toMatch(/consentTERMS1[0-9a-f]{64}.*fp-console-e2e/);
    await analyst.getByText(/^Above .*10,000\.00 a second, different reviewer completes the approval\.$/).waitFor();
    await check(analyst, 'o31-application-detail');

    // The queue: the first approval leaves it waiting for a second reviewer.
    await analyst.getByRole('link', { name: 'Back' }).click();
    await analyst.getByRole('link', { name: 'Review queue' }).click();
    await analyst.getByRole('button', { name: /^Approve: Ana Pérez, .*12,000\.00$/ }).click();
    const dialog = analyst.getByRole('dialog');
    await dialog.getByLabel('Reason').fill('Income verified');
    await check(analyst, 'o32-review-queue-approve');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await analyst.getByText('Decision recorded: In progress.').waitFor();
    await analyst.getByText('You approved it already; another reviewer must complete it.').waitFor();
    await analyst.getByText('Approvals so far: 1').waitFor();
    await check(analyst, 'o33-review-queue-first-approval');
    // The same reviewer cannot complete it: the server says so in the dialog.
    await analyst.getByRole('button', { name: /^Approve: Ana Pérez, .*12,000\.00$/ }).click();
    await dialog.getByLabel('Reason').fill('Again');
    await dialog.getByRole('button', { name: 'Confirm' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/second|segundo/i);
    await dialog.getByRole('button', { name: 'Close' }).click();
    expect((await p.call(APPLICATION, { id }, admin)).data.creditApplication).toMatchObject({ status: 'IN_PROGRESS', currentStep: 'review' });

    // A second, different reviewer (tenant admin) completes the approval; the API shows it advanced.
    const second = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await second.goto(`${base}applications/queue`);
    await second.getByText('Approvals so far: 1').waitFor();
    await second.getByRole('button', { name: /^Approve: Ana Pérez, .*12,000\.00$/ }).click();
    await second.getByRole('dialog').getByLabel('Reason').fill('Second approval');
    await second.getByRole('dialog').getByRole('button', { name: 'Confirm' }).click();
    await second.getByText(/Decision recorded: (Approved|Disbursed)\./).waitFor();
    await second.getByText('No application waits for review').waitFor();
    await check(second, 'o34-review-queue-empty');
    const advanced = await waitFor(async () => {
      const a = (await p.call(APPLICATION, { id }, admin)).data.creditApplication;
      return a.status === 'DISBURSED' ? a : null;
    }, 20_000);
    expect(advanced.steps.find((s: { key: string }) => s.key === 'review')).toMatchObject({ state: 'COMPLETED', output: { decision: 'APPROVED', reason: 'Second approval' } });
    expect(advanced.credit).toMatchObject({ status: 'ACTIVE' });
    await second.goto(`${base}applications/${id}`);
    await second.getByRole('link', { name: 'View credit' }).waitFor();
    await check(second, 'o35-application-disbursed');
  });

  test('applications: reject and ask for information from the queue, in Spanish; a reason is required by the form', async () => {
    const info = await applyForReview('2000', 'console-apply-info');
    const analyst = await signIn('analyst@demo.test', PASSWORD, 'es-EC');
    await analyst.goto(`${base}applications/queue`);
    await analyst.getByRole('button', { name: /^Pedir información: Ana Pérez, .*2,000\.00$/ }).click();
    const dialog = analyst.getByRole('dialog');
    await dialog.getByLabel('Motivo').fill('Adjunte su último rol de pagos');
    await dialog.getByRole('button', { name: 'Confirmar' }).click();
    await analyst.getByText('Ninguna solicitud espera revisión').waitFor();
    const asked = (await p.call(APPLICATION, { id: info }, admin)).data.creditApplication;
    expect(asked.steps.find((s: { key: string }) => s.key === 'review')).toMatchObject({ state: 'WAITING_INPUT', output: { infoRequested: 'Adjunte su último rol de pagos' } });

    const rejected = await applyForReview('3000', 'console-apply-reject');
    await analyst.reload();
    await analyst.getByRole('button', { name: /^Rechazar: Ana Pérez, .*3,000\.00$/ }).click();
    await dialog.getByRole('button', { name: 'Confirmar' }).click();
    // The empty reason is refused by the form before anything is sent.
    expect(await dialog.locator('textarea:invalid').count()).toBe(1);
    await dialog.getByLabel('Motivo').fill('Capacidad de pago insuficiente');
    await check(analyst, 'o36-review-queue-reject-es');
    await dialog.getByRole('button', { name: 'Confirmar' }).click();
    await analyst.getByText('Decisión registrada: Rechazada.').waitFor();
    const r = (await p.call(`query($id: ID!) { creditApplication(id: $id) { status decisionReason } }`, { id: rejected }, admin)).data.creditApplication;
    expect(r.status).toBe('REJECTED');
    expect(r.decisionReason).toContain('Capacidad de pago insuficiente');
    await analyst.goto(`${base}applications?status=REJECTED`);
    await analyst.getByRole('cell', { name: 'Rechazada', exact: true }).waitFor();
    await check(analyst, 'o37-applications-rejected-es');
  });

  test('pipeline editor: disable a step, reorder with the buttons and by drag and drop, change a config value and a condition, add a step (its error shown next to the field), save; a reload shows it', async () => {
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'PIPE', name: 'Pipe', currency: 'USD', terms: TERMS } }, admin);
    expect(created.data.createCreditProduct.userErrors).toEqual([]);
    const { product, version } = created.data.createCreditProduct;
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Origination pipelines' }).click();
    await page.getByRole('row', { name: /PIPE/ }).getByRole('link', { name: 'v1' }).click();
    await page.getByRole('heading', { name: 'Pipeline of PIPE · v1' }).waitFor();
    await page.getByText('Default pipeline (not configured for this product yet).').waitFor();
    await check(page, 'o40-pipeline-editor-default');
    const step = (key: string) => page.getByRole('group', { name: new RegExp(`^\\d+\\. ${key} \\(`) });
    const legends = async () => (await page.locator('.pipeline-steps > li > fieldset > legend').allTextContents()).map((l) => l.replace(/^\d+\. /, ''));

    await step('contact').getByLabel('Enabled').uncheck();
    await page.getByRole('button', { name: 'Move form up' }).click();
    // Drag and drop: consent onto registration's place.
    // (The HTML5 drag events as the browser fires them, with one DataTransfer.)
    const transfer = await page.evaluateHandle('new DataTransfer()');
    await page.locator('li[data-step="consent"]').dispatchEvent('dragstart', { dataTransfer: transfer });
    await page.locator('li[data-step="registration"]').dispatchEvent('dragover', { dataTransfer: transfer });
    await page.locator('li[data-step="registration"]').dispatchEvent('drop', { dataTransfer: transfer });
    await page.locator('li[data-step="consent"]').dispatchEvent('dragend', { dataTransfer: transfer });
    await step('review').getByLabel('Second reviewer above amount').fill('20000');
    await step('review').getByLabel('Run only for amounts: From amount').fill('5000');
    await page.getByLabel('New step type').selectOption('COMPLIANCE_CHECK');
    await page.getByLabel('New step key').fill('bureau');
    await page.getByRole('button', { name: 'Add step' }).click();
    expect(await legends()).toEqual([
      'landing (Landing)', 'consent (Legal consent)', 'registration (Registration)', 'form (Form)', 'contact (Contact verification) · disabled', 'compliance (Compliance check)',
      'review (Manual review)', 'identity (Identity validation)', 'signature (Document signature)', 'bureau (Compliance check)', 'disbursement (Disbursement)',
    ]);
    // The new step's flow code is empty: the API's error appears next to that field and nothing is saved.
    await page.getByRole('button', { name: 'Save pipeline' }).click();
    const flowCode = step('bureau').getByLabel('Flow code');
    await step('bureau').locator('.field-error').waitFor();
    expect(await flowCode.getAttribute('aria-invalid')).toBe('true');
    // The form is generated from the schema lending publishes (and validates with): the field's
    // label, hint and length limit are the server's.
    const types = (await p.call(`{ pipelineStepTypes(locale: "en") { type label configSchema } }`, {}, admin)).data.pipelineStepTypes;
    const compliance = types.find((x: { type: string }) => x.type === 'COMPLIANCE_CHECK');
    expect(compliance.label).toBe('Compliance check');
    const flowCodeSchema = compliance.configSchema.properties.flowCode;
    expect(flowCodeSchema).toMatchObject({ type: 'string', title: 'Flow code', maxLength: 40 });
    expect(await flowCode.getAttribute('maxlength')).toBe(String(flowCodeSchema.maxLength));
    await step('bureau').getByText(flowCodeSchema.description).waitFor();
    expect(compliance.configSchema.required).toEqual(['flowCode']);
    await check(page, 'o41-pipeline-editor-field-error');
    const PIPELINE_OF = `query($id: ID!) { creditProduct(id: $id) { versions { id pipeline { isDefault steps { key enabled config runWhen { minAmount maxAmount } } } } } }`;
    expect((await p.call(PIPELINE_OF, { id: product.id }, admin)).data.creditProduct.versions[0].pipeline.isDefault).toBe(true);
    await flowCode.fill('BUREAU');
    await page.getByRole('button', { name: 'Save pipeline' }).click();
    await page.getByText('Pipeline saved.').waitFor();

    await page.reload();
    await page.getByRole('heading', { name: 'Pipeline of PIPE · v1' }).waitFor();
    expect(await legends()).toEqual([
      'landing (Landing)', 'consent (Legal consent)', 'registration (Registration)', 'form (Form)', 'contact (Contact verification) · disabled', 'compliance (Compliance check)',
      'review (Manual review)', 'identity (Identity validation)', 'signature (Document signature)', 'bureau (Compliance check)', 'disbursement (Disbursement)',
    ]);
    expect(await step('review').getByLabel('Second reviewer above amount').inputValue()).toBe('20000');
    expect(await step('review').getByLabel('Run only for amounts: From amount').inputValue()).toBe('5000');
    expect(await step('contact').getByLabel('Enabled').isChecked()).toBe(false);
    expect(await step('bureau').getByLabel('Flow code').inputValue()).toBe('BUREAU');
    await check(page, 'o42-pipeline-editor-saved');
    const saved = (await p.call(PIPELINE_OF, { id: product.id }, admin)).data.creditProduct.versions.find((v: { id: string }) => v.id === version.id).pipeline;
    expect(saved.isDefault).toBe(false);
    expect(saved.steps.map((s: { key: string }) => s.key)).toEqual(['landing', 'consent', 'registration', 'form', 'contact', 'compliance', 'review', 'identity', 'signature', 'bureau', 'disbursement']);
    expect(saved.steps.find((s: { key: string }) => s.key === 'contact').enabled).toBe(false);
    expect(saved.steps.find((s: { key: string }) => s.key === 'review')).toMatchObject({ config: { makerCheckerAboveAmount: '20000' }, runWhen: { minAmount: '5000' } });
    expect(saved.steps.find((s: { key: string }) => s.key === 'bureau')).toMatchObject({ enabled: true, config: { flowCode: 'BUREAU' } });
  });

  test('signatures: requests filtered by status; a completed request shows its signers, downloads the sealed PDF (its hash as shown) and its evidence trail verified', async () => {
    const doc = await PDFDocument.create();
    doc.addPage().drawText('Pagare consola', { x: 50, y: 700, font: await doc.embedFont(StandardFonts.Helvetica) });
    const pdf = Buffer.from(await doc.save()).toString('base64');
    const CREATE = `mutation($input: CreateSignatureRequestInput!) { createSignatureRequest(input: $input) { signatureRequest { id } userErrors { code field } } }`;
    const created = await p.call(CREATE, { input: { title: 'Pagaré consola', signingOrder: 'SEQUENTIAL', documents: [{ name: 'pagare.pdf', contentBase64: pdf }], signers: [{ name: 'Firmante Uno', email: 'firma@demo.test' }] } }, admin);
    expect(created.data.createSignatureRequest.userErrors).toEqual([]);
    const id = created.data.createSignatureRequest.signatureRequest.id as string;
    const draft = await p.call(CREATE, { input: { title: 'Borrador sin enviar', documents: [{ name: 'otro.pdf', contentBase64: pdf }], signers: [{ name: 'Nadie', email: 'nadie@demo.test' }] } }, admin);
    expect(draft.data.createSignatureRequest.userErrors).toEqual([]);
    const sent = await p.call(`mutation($id: ID!) { sendSignatureRequest(input: { id: $id }) { signatureRequest { signers { signingUrl } } userErrors { code } } }`, { id }, admin);
    expect(sent.data.sendSignatureRequest.userErrors).toEqual([]);
    const token = /\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(sent.data.sendSignatureRequest.signatureRequest.signers[0].signingUrl)![1]!;
    expect((await p.call(`mutation($token: String!) { requestSigningCode(input: { token: $token }) { userErrors { code } } }`, { token })).data.requestSigningCode.userErrors).toEqual([]);
    const body = await waitFor(async () => (await p.call(`query { localMailbox(first: 5, recipient: "firma@demo.test") { edges { node { body } } } }`, {}, admin)).data?.localMailbox.edges.map((e: { node: { body: string } }) => e.node.body).find((b: string) => /\b\d{6}\b/.test(b) && !b.includes('/sign/')), 20_000);
    const code = /\b(\d{6})\b/.exec(body)![1]!;
    const signed = await p.call(`mutation($input: SignDocumentInput!) { signDocument(input: $input) { session { requestStatus } userErrors { code field } } }`, { input: { token, code, accept: true } });
    expect(signed.data.signDocument).toEqual({ session: { requestStatus: 'COMPLETED' }, userErrors: [] });
    const sealed = await waitFor(async () => (await p.call(`query($id: ID!) { signatureRequest(id: $id) { sealedDocument { name sha256 } trailVerified } }`, { id }, admin)).data?.signatureRequest.sealedDocument, 20_000);

    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Signatures' }).click();
    await page.getByRole('link', { name: 'Borrador sin enviar' }).waitFor();
    await page.getByRole('link', { name: 'Pagaré consola' }).waitFor();
    await check(page, 'o50-signatures-list');
    await page.getByLabel('Status').selectOption('COMPLETED');
    await page.getByRole('link', { name: 'Borrador sin enviar' }).waitFor({ state: 'detached' });
    expect(page.url()).toContain('status=COMPLETED');
    await page.getByRole('link', { name: 'Pagaré consola' }).waitFor();
    expect(await page.getByRole('row').count()).toBe(2);
    await page.getByRole('link', { name: 'Pagaré consola' }).click();
    await page.getByRole('heading', { name: 'Signature request: Pagaré consola' }).waitFor();
    expect(await page.getByRole('table', { name: 'Signers' }).getByRole('row').nth(1).textContent()).toMatch(/^1Firmante Unofirma@demo\.testSIGNERSigned/);
    await page.getByText('Chain verified: every entry matches its content and the previous hash.').waitFor();
    expect(await page.getByRole('table', { name: 'Evidence trail' }).getByRole('row').count()).toBeGreaterThan(2);
    const sealedRow = page.getByRole('table', { name: 'Documents' }).getByRole('row', { name: /Sealed PDF/ });
    expect(await sealedRow.textContent()).toContain(sealed.sha256);
    await check(page, 'o51-signature-detail');
    const [download] = await Promise.all([page.waitForEvent('download'), sealedRow.getByRole('button', { name: /^Download / }).click()]);
    const bytes = fs.readFileSync((await download.path())!);
    expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
    expect(crypto.createHash('sha256').update(bytes).digest('hex')).toBe(sealed.sha256);
  });

  test('credit detail: a payoff quote for a date (a date before the disbursement refused next to the field); registering exactly that payoff pays the credit off', async () => {
    // The credit disbursed by the applications journey above (this file's tests run in order).
    const credits = (await p.call(`{ credits(first: 5, filter: { status: ACTIVE }) { edges { node { id disbursedAt borrower { displayName } } } } }`, {}, admin)).data.credits.edges.map((e: { node: unknown }) => e.node);
    const credit = credits.find((c: { borrower: { displayName: string } }) => c.borrower.displayName === 'Ana Pérez');
    expect(credit).toBeDefined();
    const disbursed = (credit.disbursedAt as string).slice(0, 10);
    const later = new Date(Date.parse(`${disbursed}T00:00:00Z`) + 20 * 86_400_000).toISOString().slice(0, 10);
    const QUOTE = `query($id: ID!, $date: Date!) { payoffQuote(creditId: $id, date: $date) { quote { total accruedInterest } userErrors { code } } }`;
    const expected = (await p.call(QUOTE, { id: credit.id, date: later }, admin)).data.payoffQuote.quote;
    expect(Number(expected.accruedInterest)).toBeGreaterThan(0);
    const money = (v: string) => Number(v).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.goto(`${base}credits/${credit.id}`);
    await page.getByRole('heading', { name: 'Payoff quote' }).waitFor();
    await page.getByLabel('Payoff date').fill('2020-01-01');
    await page.getByRole('button', { name: 'Quote' }).click();
    await page.locator('.field-invalid').getByText(/\S/).last().waitFor();
    expect(await page.getByLabel('Payoff date').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Payoff date').fill(later);
    await page.getByRole('button', { name: 'Quote' }).click();
    const total = page.locator('.details div', { hasText: 'Total to pay off' });
    await total.waitFor();
    expect(await total.textContent()).toContain(money(expected.total));
    await check(page, 'o60-credit-payoff-quote');

    // Today's payoff (the disbursement date), registered from the quote: the credit is paid off.
    await page.getByLabel('Payoff date').fill(disbursed);
    await page.getByRole('button', { name: 'Quote' }).click();
    const today = (await p.call(QUOTE, { id: credit.id, date: disbursed }, admin)).data.payoffQuote.quote;
    await page.locator('.details div', { hasText: 'Total to pay off' }).getByText(money(today.total)).waitFor();
    await page.getByRole('button', { name: 'Register this payoff' }).click();
    const dialog = page.getByRole('dialog');
    expect(await dialog.getByLabel('Amount').inputValue()).toBe(today.total);
    await dialog.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Payment registered.').waitFor();
    const after = (await p.call(`query($id: ID!) { credit(id: $id) { status } }`, { id: credit.id }, admin)).data.credit;
    expect(after.status).toBe('PAID_OFF');
  });

  test('landing page builder: title, text and image blocks reordered, legal footer, a live preview; a non-https image refused next to the blocks; saved through the API', async () => {
    // The PIPE draft of the pipeline editor journey above (this file's tests run in order).
    const products = (await p.call(`{ creditProducts(first: 10) { edges { node { id code versions { id } } } } }`, {}, admin)).data.creditProducts.edges.map((e: { node: unknown }) => e.node);
    const pipe = products.find((x: { code: string }) => x.code === 'PIPE');
    expect(pipe).toBeDefined();
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.goto(`${base}pipelines/${pipe.id}/${pipe.versions[0].id}`);
    const landing = page.getByRole('group', { name: /^1\. landing \(/ });
    await landing.getByLabel('Title').fill('Crédito PIPE');
    await landing.getByRole('button', { name: 'Add image block' }).click();
    await landing.getByLabel('Image URL (https)').fill('http://cdn.example.com/familia.png');
    await landing.getByLabel('Alternative text').fill('Familia feliz');
    await landing.getByRole('button', { name: 'Move block 2 up' }).click();
    await landing.getByLabel('Legal footer').fill('PIPE S.A.');
    const preview = page.getByRole('region', { name: 'Landing preview' });
    await preview.getByRole('heading', { name: 'Crédito PIPE' }).waitFor();
    expect(await preview.textContent()).toMatch(/Crédito PIPE.*Image: Familia feliz \(http:\/\/cdn\.example\.com\/familia\.png\).*Complete su solicitud en minutos\..*PIPE S\.A\./);
    await page.getByRole('button', { name: 'Save pipeline' }).click();
    await landing.locator('.landing-blocks > .field-error').waitFor();
    await check(page, 'o43-landing-builder-error');
    await landing.getByLabel('Image URL (https)').fill('https://cdn.example.com/familia.png');
    await page.getByRole('button', { name: 'Save pipeline' }).click();
    await page.getByText('Pipeline saved.').waitFor();
    await page.getByRole('region', { name: 'Landing preview' }).getByRole('img', { name: 'Familia feliz' }).waitFor();
    await check(page, 'o44-landing-builder-saved');
    const saved = (await p.call(`query($id: ID!) { creditProduct(id: $id) { versions { pipeline { steps { key config } } } } }`, { id: pipe.id }, admin)).data.creditProduct.versions[0].pipeline.steps[0];
    expect(saved).toMatchObject({ key: 'landing', config: { title: 'Crédito PIPE', legalFooter: 'PIPE S.A.', blocks: [{ kind: 'IMAGE', url: 'https://cdn.example.com/familia.png', alt: 'Familia feliz' }, { kind: 'TEXT', text: 'Complete su solicitud en minutos.' }] } });
  });
});
