/**
 * The borrower portal in Debian's chromium against the whole platform (seed 5.25): from a tenant's
 * landing (host presto.localhost) through the simulator, registration, consent, the e-mailed OTP,
 * the form (the server's validation message next to the field), the compliance flow, the identity
 * flow's document capture (embedded, uploaded through the gateway), the embedded contract signing
 * with a code from the mailbox, live progress to the disbursement, and "mi cuenta" (credit schedule,
 * payoff quote against the API, the sealed PDF downloaded and hashed, notifications). Once at a phone
 * viewport (with a borrower who leaves after the OTP and comes back signed in to the form step; flow
 * and signing embedded in the journey), once at a desktop one (the flow on the standalone page with
 * an access token, the contract on the standalone signing page from the e-mailed link). axe-core on every page; screenshots in e2e/artifacts/portal/.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import type { Page } from 'playwright-core';
import { waitFor } from '@imagy/platform/testing';
import { DESKTOP, PHONE, startPortalWorld, type PortalWorld } from './setup';

// A 1x1 PNG: the "photo" of the ID the identity flow asks for.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');
const digits = (s: string) => s.replace(/[^0-9]/g, '');

describe('portal: the whole journey in the browser', () => {
  let w: PortalWorld;
  beforeAll(async () => { w = await startPortalWorld('e2eportal', ['presto']); }, 240_000);
  afterAll(async () => { await w?.stop(); });
  afterEach(() => { for (const list of w.problems) expect(list).toEqual([]); });

  async function journey(viewport: typeof PHONE, tag: string, email: string, leaveAndComeBack: boolean, standalone: boolean) {
    const tenant = w.tenants.presto!;
    const origin = w.origin('presto');
    let page: Page = await w.page(viewport);
    await page.goto(`${origin}/`);
    await page.getByRole('link', { name: 'Simular y solicitar: Crédito Presto' }).click();
    await page.getByRole('heading', { name: 'Crédito Presto' }).waitFor();
    // The simulator: the figures are the API's for what the sliders say (debounced query as they move).
    const amount = page.getByLabel('Monto');
    const installment = page.getByTestId('installment');
    await installment.waitFor();
    const before = await installment.textContent();
    await amount.focus();
    for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowRight');
    // Polled from here: a predicate evaluated in the page would be refused by its CSP (no eval).
    await waitFor(async () => (await installment.textContent()) !== before, 15_000, 100);
    const chosen = await amount.inputValue();
    const term = Number(await page.getByLabel('Plazo (cuotas)').inputValue());
    const api = (await w.p.call(`query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { installment catWithoutVat totals { totalCost } } } }`, { input: { host: tenant.host, productCode: 'PRESTO', amount: chosen, term } })).data.simulateCredit.simulation;
    await waitFor(async () => digits(await installment.textContent() ?? '') === digits(api.installment), 15_000, 100);
    expect(digits(await page.getByTestId('total-cost').textContent() ?? '')).toBe(digits(api.totals.totalCost));
    expect(digits(await page.getByTestId('cat').textContent() ?? '')).toBe(digits(api.catWithoutVat));
    await page.getByRole('button', { name: 'Ver la tabla de pagos' }).click();
    await page.getByRole('region', { name: 'Tabla de pagos' }).waitFor();
    expect(await page.locator('.simulator tbody tr').count()).toBe(term);
    await w.check(page, `${tag}-10-landing-simulator`);

    // Registration (the account is created by identity over lending's internal call), then the application starts.
    await page.getByRole('link', { name: /^Solicitar/ }).click();
    await page.getByRole('heading', { name: 'Cree su cuenta' }).waitFor();
    await page.getByLabel('Nombre completo').fill('Ana Pérez');
    await page.getByLabel('Correo electrónico').fill(email);
    await page.getByLabel('Contraseña').fill('short');
    await page.getByRole('button', { name: 'Crear la cuenta y continuar' }).click();
    // The server's message next to the password.
    await page.locator('.field-error').first().waitFor();
    await w.check(page, `${tag}-20-register-error`);
    await page.getByLabel('Contraseña').fill('ana-password-1');
    await page.getByRole('button', { name: 'Crear la cuenta y continuar' }).click();
    await page.waitForURL(/\/solicitud\/[0-9a-f-]{36}$/, { timeout: 30_000 });
    const applicationId = page.url().split('/').pop()!;

    // Consent with evidence.
    await page.getByRole('heading', { name: 'Términos y condiciones', level: 2 }).waitFor();
    await w.check(page, `${tag}-30-consent`);
    await page.getByLabel(/Leí y acepto/).check();
    await page.getByRole('button', { name: 'Continuar' }).click();

    // The contact's OTP from the local mailbox.
    const contact = `verified.${email}`;
    await page.getByLabel('Correo al que enviamos el código').fill(contact);
    await page.getByRole('button', { name: 'Enviar el código' }).click();
    await page.getByText(/Enviamos un código de 6 dígitos/).waitFor();
    // The resend waits out the cooldown (the button says how long).
    await page.getByRole('button', { name: /Podrá pedir un código nuevo en \d+ s/ }).waitFor();
    const otpMail = await w.mail(tenant, contact, (b) => /\d{6}/.test(b));
    await w.check(page, `${tag}-40-otp`);
    await page.getByLabel('Código de verificación').fill(/(\d{6})/.exec(otpMail)![1]!);
    await page.getByRole('button', { name: 'Verificar' }).click();
    await page.getByRole('heading', { name: 'Sus datos' }).waitFor();

    if (leaveAndComeBack) {
      // The borrower leaves (the window closed; a new browser: nothing stored) and comes back signed in, to the step where they stopped.
      await page.close();
      page = await w.page(viewport);
      await page.goto(`${origin}/ingresar`);
      await page.getByLabel('Correo electrónico').fill(email);
      await page.getByLabel('Contraseña').fill('ana-password-1');
      await page.getByRole('button', { name: 'Ingresar' }).click();
      await page.waitForURL(new RegExp(`/solicitud/${applicationId}$`));
      await page.getByRole('heading', { name: 'Sus datos' }).waitFor();
    }

    // The form: the server's validation message next to the field, then the right value.
    await page.getByLabel('Nombre').fill('Ana Pérez');
    await page.getByLabel('Documento').fill('123');
    await page.getByLabel('Teléfono').fill('+525512345678');
    await page.getByRole('button', { name: 'Continuar' }).click();
    const docError = page.locator('.field', { has: page.getByLabel('Documento') }).locator('.field-error');
    await docError.waitFor();
    await w.check(page, `${tag}-50-form-server-error`);
    await page.getByLabel('Documento').fill('12345678');
    await page.getByRole('button', { name: 'Continuar' }).click();

    // Compliance runs in flow (mock providers), the review auto-approves, and the identity flow asks for the ID photo, embedded.
    const file = page.getByLabel('Documento (PDF, JPEG, PNG o WebP)');
    await file.waitFor({ timeout: 45_000 });
    await w.check(page, `${tag}-60-identity-document`);
    if (standalone) {
      // The standalone flow page (seed 5.18) with an access token lending issues to the borrower (the newest token is the only one that works).
      const borrower = (await w.p.login('presto', email, 'ana-password-1')).accessToken;
      const opened = (await w.p.call(`mutation($input: OpenApplicationFlowInput!) { openApplicationFlow(input: $input) { access { accessToken } userErrors { code } } }`, { input: { applicationId, stepKey: 'identity' } }, borrower)).data.openApplicationFlow;
      expect(opened.userErrors).toEqual([]);
      await page.goto(`${origin}/flujo/${opened.access.accessToken}`);
      await page.getByRole('heading', { name: 'Verificación', level: 1 }).waitFor();
      await w.check(page, `${tag}-61-flow-page`);
    }
    await page.getByLabel('Documento (PDF, JPEG, PNG o WebP)').setInputFiles({ name: 'id.png', mimeType: 'image/png', buffer: PNG });
    await page.getByRole('button', { name: 'Continuar' }).click();
    if (standalone) {
      await page.getByText(/La verificación terminó/).waitFor({ timeout: 45_000 });
      await page.goto(`${origin}/solicitud/${applicationId}`);
    }

    // The contract, embedded: a signing code from the mailbox.
    await page.getByRole('heading', { name: 'Firme su contrato' }).waitFor({ timeout: 45_000 });
    await page.getByRole('button', { name: 'Enviarme un código de firma' }).waitFor({ timeout: 30_000 });
    if (standalone) {
      // Or the standalone signing page (seed 5.19), opened from the invitation sign e-mailed.
      const invitation = await w.mail(tenant, contact, (b) => b.includes('/sign/sgn_'));
      await page.goto(`${origin}/sign/${/\/sign\/(sgn_[A-Za-z0-9_-]+)/.exec(invitation)![1]}`);
      await page.getByRole('heading', { name: /Firmar: Contrato/, level: 1 }).waitFor();
    }
    const mailsBefore = await w.mailCount(tenant, contact);
    await page.getByRole('button', { name: 'Enviarme un código de firma' }).click();
    await page.getByText(/Enviamos un código a/).waitFor();
    const codeMail = await w.mail(tenant, contact, (b) => /\d{6}/.test(b), mailsBefore);
    await w.check(page, `${tag}-70-signing`);
    await page.getByLabel('Código de firma (6 dígitos)').fill(/(\d{6})/.exec(codeMail)![1]!);
    await page.getByLabel('Leí los documentos y los acepto').check();
    await page.getByRole('button', { name: 'Firmar' }).click();

    if (standalone) {
      await page.getByText('Firmado. ¡Gracias!').waitFor();
      await page.goto(`${origin}/solicitud/${applicationId}`);
    }
    // Live status to the disbursement.
    await page.getByText('Su crédito fue desembolsado.').waitFor({ timeout: 45_000 });
    await w.check(page, `${tag}-80-disbursed`);
    await page.getByRole('link', { name: 'Ver su crédito' }).click();

    // Mi cuenta: the schedule and a payoff quote equal to the API's.
    await page.getByRole('heading', { name: 'Tabla de amortización' }).waitFor();
    expect(await page.locator('.credit-detail table').first().locator('tbody tr').count()).toBe(term);
    const creditId = page.url().split('/').pop()!;
    await page.getByRole('button', { name: 'Cotizar' }).click();
    const total = page.getByTestId('payoff-total');
    await total.waitFor();
    const today = await page.getByLabel('Fecha de liquidación').inputValue();
    const token = (await w.p.login('presto', email, 'ana-password-1')).accessToken;
    const quote = (await w.p.call(`query($id: ID!, $d: Date!) { payoffQuote(creditId: $id, date: $d) { quote { total } } }`, { id: creditId, d: today }, token)).data.payoffQuote.quote;
    expect(digits(await total.textContent() ?? '')).toBe(digits(quote.total));
    await w.check(page, `${tag}-90-credit-payoff`);

    // Signatures and documents: the sealed PDF, downloaded, is the one sign sealed.
    await page.getByRole('link', { name: 'Firmas y documentos' }).click();
    const downloadButton = page.getByRole('button', { name: /Descargar el PDF firmado/ });
    await downloadButton.waitFor();
    await w.check(page, `${tag}-91-documents`);
    const [download] = await Promise.all([page.waitForEvent('download'), downloadButton.click()]);
    const pdf = fs.readFileSync((await download.path())!);
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const docs = (await w.p.call(`{ me { documents { kind signedDocumentSha256 } } }`, {}, token)).data.me.documents;
    expect(crypto.createHash('sha256').update(pdf).digest('hex')).toBe(docs.find((d: { kind: string }) => d.kind === 'CONTRACT').signedDocumentSha256);

    // Notifications received: the signing invitation sign addressed to this user.
    await page.getByRole('link', { name: 'Notificaciones' }).click();
    await page.getByRole('heading', { name: 'Notificaciones', level: 2 }).waitFor();
    await page.locator('.cards li').first().waitFor();
    await w.check(page, `${tag}-92-notifications`);
    const account = (await w.p.call(`{ me { credits { id status } applications { id status } } }`, {}, token)).data.me;
    expect(account).toEqual({ credits: [{ id: creditId, status: 'ACTIVE' }], applications: [{ id: applicationId, status: 'DISBURSED' }] });
  }

  test('phone (390x844): landing to disbursement, leaving after the OTP and coming back signed in, then mi cuenta', async () => {
    await journey(PHONE, 'phone', 'ana.phone@presto.test', true, false);
  }, 180_000);

  test('desktop (1280x800): landing to disbursement through the standalone flow page and signing page (token links), then mi cuenta', async () => {
    await journey(DESKTOP, 'desktop', 'ana.desktop@presto.test', false, true);
  }, 180_000);
});
