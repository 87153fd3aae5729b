/**
 * The staff console in a real browser (Debian's chromium through playwright-core) against the whole
 * platform (identity, lending, audit, notifications, flow and the gateway serving the built console
 * at /console/): one journey per module, screenshots of each as artifacts, axe-core on every page.
 */
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from '../harness';
import { checkPage, ensureConsoleBuild, browserSuite, signInPage, watchPage } from './browser';

jest.setTimeout(240_000);

describe('console in the browser', () => {
  let p: Platform;
  const suite = browserSuite();
  let base: string;
  let admin: { accessToken: string; user: { id: string } };
  const { contexts, problems } = suite;
  const PASSWORD = 'console-password-1';

  beforeAll(async () => {
    const dist = ensureConsoleBuild()!;
    p = await startPlatform({ label: 'e2econsole', console: dist });
    base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
    admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    for (const [email, roles] of [['maker@demo.test', ['product_manager']], ['checker@demo.test', ['product_checker']], ['reader@demo.test', ['auditor']]] as const) {
      const r = await p.call(CREATE_USER, { input: { email, displayName: email.split('@')[0], roles, password: PASSWORD } }, admin.accessToken);
      expect(r.errors).toBeUndefined();
      expect(r.data.createUser.userErrors).toEqual([]);
    }
  });
  afterAll(async () => {
    await p?.stop();
  });

  const signIn = (email: string, password: string, locale?: string) => signInPage(suite.browser, base, { contexts, problems }, email, password, locale);
  const check = checkPage;

  test('the login page passes axe, speaks the browser language, and refuses a wrong password with the API message', async () => {
    const context = await suite.browser.newContext({ locale: 'es-EC' });
    contexts.push(context);
    const page = await context.newPage();
    problems.push(watchPage(page));
    await page.goto(base);
    await page.getByRole('heading', { name: 'Consola Imagy' }).waitFor();
    await check(page, '00-login');
    await page.getByLabel('Organización (tenant)').fill('demo');
    await page.getByLabel('Correo electrónico').fill('admin@demo.localhost');
    await page.getByLabel('Contraseña').fill('not-the-password');
    await page.getByRole('button', { name: 'Ingresar' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/\S/);
    problems[problems.length - 1]!.length = 0;
  });

  test('products: a maker creates a product and requests publication; a checker sees the diff and approves it; a v2 change is diffed against v1 and rejected with a reason', async () => {
    const maker = await signIn('maker@demo.test', PASSWORD);
    // A maker sees products but not the audit module (its roles do not open it).
    await expect(maker.getByRole('link', { name: 'Credit products' }).isVisible()).resolves.toBe(true);
    expect(await maker.getByRole('link', { name: 'Audit' }).count()).toBe(0);
    await maker.getByRole('link', { name: 'Credit products' }).click();
    await maker.getByText('No credit products yet').waitFor();
    await check(maker, '10-products-empty');
    await maker.getByRole('link', { name: 'New product' }).click();
    await maker.getByLabel('Code').fill('CONSUMO');
    await maker.getByLabel('Name').fill('Consumo');
    await maker.getByLabel('Maximum amount').fill('12000.00');
    await check(maker, '11-products-new');
    await maker.getByRole('button', { name: 'Create product' }).click();
    await maker.getByRole('heading', { name: 'Product CONSUMO' }).waitFor();
    await maker.getByRole('button', { name: 'Request publication' }).click();
    await maker.getByText('Publication requested').waitFor();
    await check(maker, '12-products-detail-draft');
    // The maker is not a checker: no approve button, even on the inbox.
    await maker.getByRole('link', { name: 'Credit products' }).click();
    await maker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await maker.getByRole('cell', { name: /CONSUMO/ }).waitFor();
    expect(await maker.getByRole('button', { name: 'Approve' }).count()).toBe(0);

    const checker = await signIn('checker@demo.test', PASSWORD);
    await checker.getByRole('link', { name: 'Credit products' }).click();
    await checker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await checker.getByRole('cell', { name: /CONSUMO/ }).waitFor();
    await checker.getByRole('button', { name: 'Changes' }).click();
    const dialog = checker.getByRole('dialog');
    await dialog.getByText('No published version yet').waitFor();
    expect(await dialog.getByRole('row', { name: /Maximum amount/ }).textContent()).toContain('12,000.00');
    await check(checker, '13-products-inbox-diff');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await checker.getByRole('button', { name: 'Approve' }).click();
    await checker.getByText('Approved.').waitFor();
    await check(checker, '14-products-inbox-approved');

    const published = await p.call(`{ creditProducts(first: 5) { edges { node { code status publishedVersion { number } } } } }`, {}, admin.accessToken);
    expect(published.data.creditProducts.edges.map((e: { node: unknown }) => e.node)).toEqual([{ code: 'CONSUMO', status: 'ACTIVE', publishedVersion: { number: 1 } }]);
    await checker.getByRole('link', { name: 'Products', exact: true }).click();
    await checker.getByRole('cell', { name: 'v1' }).waitFor();

    // A change to the published product: the maker drafts v2 with another maximum; the checker sees
    // exactly that term highlighted against v1 and rejects it with a reason the maker then reads.
    await maker.getByRole('link', { name: 'Products', exact: true }).click();
    await maker.getByRole('link', { name: 'CONSUMO' }).click();
    await maker.getByRole('button', { name: 'New draft from published' }).click();
    await maker.getByRole('heading', { name: 'Draft · v2' }).waitFor();
    await maker.getByLabel('Maximum amount').fill('15000.00');
    await maker.getByRole('button', { name: 'Save draft' }).click();
    await maker.getByText('Draft saved.').waitFor();
    await maker.getByRole('button', { name: 'Request publication' }).click();
    await maker.getByText('Publication requested').waitFor();
    await checker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await checker.getByRole('cell', { name: 'v2' }).waitFor();
    await checker.getByRole('button', { name: 'Changes' }).click();
    const diff = checker.getByRole('dialog');
    const changed = diff.locator('tr[data-changed="true"]');
    await changed.first().waitFor();
    expect(await changed.count()).toBe(1);
    expect(await changed.textContent()).toMatch(/Maximum amount.*12,000\.00.*15,000\.00/);
    await check(checker, '15-products-inbox-diff-v2');
    await diff.getByRole('button', { name: 'Close' }).click();
    await checker.getByRole('button', { name: 'Reject' }).click();
    await checker.getByRole('dialog', { name: 'Reject the request' }).getByLabel('Reason (the maker sees it)').fill('Maximum too high for this segment');
    await checker.getByRole('dialog', { name: 'Reject the request' }).getByRole('button', { name: 'Reject' }).click();
    await checker.getByText('Rejected.').waitFor();
    await maker.getByRole('link', { name: 'Credit products' }).click();
    await maker.getByRole('link', { name: 'Maker-checker inbox' }).click();
    await maker.getByLabel('Status').selectOption('REJECTED');
    await maker.getByText('Reason: Maximum too high for this segment').waitFor();
    await check(maker, '16-products-inbox-rejected');
  });

  test('portfolio: staff register a payment on a booked credit and reverse it; the chart shows the outstanding principal; a delinquency run puts it in a bucket the filter finds', async () => {
    // A published product (the previous journey) and a borrower lending has learnt of (identity's event).
    const products = await p.call(`{ creditProducts(first: 5) { edges { node { id code } } } }`, {}, admin.accessToken);
    const productId = products.data.creditProducts.edges.find((e: { node: { code: string } }) => e.node.code === 'CONSUMO').node.id;
    const borrower = await p.call(CREATE_USER, { input: { email: 'ana@demo.test', displayName: 'Ana Borrower', roles: ['borrower'], password: PASSWORD } }, admin.accessToken);
    const borrowerId = borrower.data.createUser.user.id;
    const booked = await waitFor(async () => {
      const r = await p.call(`mutation($input: BookCreditInput!) { bookCredit(input: $input) { credit { id } userErrors { code message } } }`,
        { input: { productId, borrowerId, principal: '1200', term: 6, disbursedAt: '2026-01-15', idempotencyKey: 'console-book-1' } }, admin.accessToken);
      return r.data?.bookCredit.userErrors[0]?.code === 'BORROWER_NOT_FOUND' ? null : r;
    }, 20_000, 200);
    expect(booked.data.bookCredit.userErrors).toEqual([]);

    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Portfolio' }).click();
    await page.getByRole('link', { name: 'Ana Borrower' }).waitFor();
    await page.getByRole('img', { name: /Outstanding principal by currency: USD 1,200.00/ }).waitFor();
    await check(page, '20-portfolio-list');
    // Filters live in the URL and go to the API (credits(filter)).
    await page.getByLabel('Status').selectOption('PAID_OFF');
    await page.getByText('No credits match').waitFor();
    expect(page.url()).toContain('status=PAID_OFF');
    await page.getByLabel('Status').selectOption('ACTIVE');
    await page.getByRole('link', { name: 'Ana Borrower' }).click();
    await page.getByRole('heading', { name: 'Credit of Ana Borrower' }).waitFor();
    await page.getByText('No payments yet.').waitFor();
    await page.getByRole('button', { name: 'Register payment' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByLabel('Amount').fill('150.00');
    await dialog.getByLabel('Paid on').fill('2026-02-15');
    await check(page, '21-portfolio-register-payment');
    await dialog.getByRole('button', { name: 'Register' }).click();
    await page.getByText('Payment registered.').waitFor();
    const row = page.getByRole('row', { name: /USD 150.00/ });
    await row.getByText('APPLIED').waitFor();
    await check(page, '22-portfolio-credit-detail');
    await row.getByRole('button', { name: 'Reverse' }).click();
    await page.getByRole('dialog').getByLabel('Reason').fill('Duplicated deposit');
    await page.getByRole('dialog').getByRole('button', { name: 'Reverse' }).click();
    await page.getByText('Payment reversed.').waitFor();
    await page.getByRole('row', { name: /USD 150.00/ }).getByText('REVERSED').waitFor();
    const credit = await p.call(`query($id: ID!) { credit(id: $id) { payments { amount status reversalReason } } }`, { id: booked.data.bookCredit.credit.id }, admin.accessToken);
    expect(credit.data.credit.payments).toEqual([{ amount: '150.00', status: 'REVERSED', reversalReason: 'Duplicated deposit' }]);

    // Delinquency: the first installment (due 2026-02-15) is unpaid on 2026-03-01.
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('button', { name: 'Run delinquency' }).click();
    const run = page.getByRole('dialog', { name: 'Run delinquency' });
    await run.getByLabel('Business date').fill('2026-03-01');
    await run.getByRole('button', { name: 'Run' }).click();
    await run.getByText(/credits evaluated/).first().waitFor();
    await check(page, '23-portfolio-delinquency-run');
    await run.getByRole('button', { name: 'Close' }).click();
    const late = await p.call(`query($id: ID!) { credit(id: $id) { daysPastDue bucket } }`, { id: booked.data.bookCredit.credit.id }, admin.accessToken);
    expect(late.data.credit.daysPastDue).toBeGreaterThan(0);
    expect(late.data.credit.bucket).toBeTruthy();
    await page.getByLabel('Delinquency bucket').fill(late.data.credit.bucket);
    const lateRow = page.getByRole('row', { name: /Ana Borrower/ });
    await lateRow.getByRole('cell', { name: String(late.data.credit.daysPastDue), exact: true }).waitFor();
    await lateRow.getByRole('cell', { name: late.data.credit.bucket, exact: true }).waitFor();
    await check(page, '24-portfolio-bucket-filter');

    // Portfolio figures: the tables beside the charts hold the API's figures (portfolioSummary).
    const figures = await p.call(`{ portfolioSummary(currency: "USD") { byBucket { bucket credits outstandingPrincipal } monthly(from: "2026-01-01", to: "2026-02-28") { months { month disbursed disbursedCount collected paymentsCount } } } }`, {}, admin.accessToken);
    expect(figures.data.portfolioSummary.byBucket).toEqual([{ bucket: late.data.credit.bucket, credits: 1, outstandingPrincipal: '1200.00' }]);
    // The reversed payment is not a collection.
    expect(figures.data.portfolioSummary.monthly.months).toEqual([
      { month: '2026-01', disbursed: '1200.00', disbursedCount: 1, collected: '0.00', paymentsCount: 0 },
      { month: '2026-02', disbursed: '0.00', disbursedCount: 0, collected: '0.00', paymentsCount: 0 },
    ]);
    await page.getByLabel('Delinquency bucket').fill('');
    await page.getByLabel('Currency', { exact: true }).selectOption('USD');
    const bucketTable = page.getByRole('table', { name: 'Outstanding principal by delinquency bucket' });
    await bucketTable.getByRole('row', { name: `${late.data.credit.bucket} 1 USD 1,200.00` }).waitFor();
    await page.getByRole('img', { name: `Outstanding principal by bucket: ${late.data.credit.bucket} USD 1,200.00` }).waitFor();
    const monthly = page.getByRole('table', { name: 'Disbursements and collections per month' });
    await monthly.getByRole('row', { name: 'Jan 2026 USD 1,200.00 1 USD 0.00 0' }).waitFor();
    await monthly.getByRole('row', { name: 'Feb 2026 USD 0.00 0 USD 0.00 0' }).waitFor();
    expect(await monthly.locator('tbody tr').count()).toBe(12);
    await page.getByRole('img', { name: /^Disbursed USD 1,200.00 and collected USD 0.00 from / }).waitFor();
    await check(page, '25-portfolio-figures');
    // The range goes to the API: the last 6 months hold no activity.
    await page.getByLabel('Period', { exact: true }).selectOption('6');
    await page.getByText('No activity in this period.').waitFor();
    expect(page.url()).toContain('months=6');
  });

  test('audit: an event recorded elsewhere arrives in the live tail (graphql-ws through the gateway) and opens its OCSF record; search pages by cursor; report charts', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('link', { name: 'Live tail' }).click();
    await page.getByText('Listening: new events appear here').waitFor();
    await page.getByText('Connected').waitFor();
    await check(page, '30-audit-live-waiting');
    // The subscription is open once the gateway has it: record events until one shows (each distinct).
    let n = 0;
    await waitFor(async () => {
      n += 1;
      const r = await p.call(`mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { event { id } userErrors { code } } }`,
        { input: { kind: 'API_ACTIVITY', activity: 'READ', operation: 'consoleLiveTail', resourceType: 'console_probe', message: `Console live tail probe ${n}` } }, admin.accessToken);
      expect(r.data.recordAuditEvent.userErrors).toEqual([]);
      return (await page.getByRole('link', { name: /Console live tail probe/ }).count()) > 0 ? true : null;
    }, 30_000, 1_000);
    await check(page, '31-audit-live-event');
    await page.getByRole('link', { name: /Console live tail probe/ }).first().click();
    await page.getByRole('heading', { name: 'OCSF record' }).waitFor();
    await check(page, '32-audit-event-detail');
    await page.getByRole('button', { name: 'Back' }).or(page.getByRole('link', { name: 'Back' })).click();
    await page.getByLabel('Words').fill('probe');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('link', { name: /Console live tail probe/ }).first().waitFor();
    await check(page, '33-audit-search');
    // Cursor pages: 23 matching events are one full page of 20, then 3.
    for (let i = 1; i <= 23; i++) {
      const r = await p.call(`mutation($input: RecordAuditEventInput!) { recordAuditEvent(input: $input) { userErrors { code } } }`,
        { input: { kind: 'API_ACTIVITY', activity: 'READ', operation: 'consolePager', resourceType: 'console_pager', message: `Pager probe ${i}` } }, admin.accessToken);
      expect(r.data.recordAuditEvent.userErrors).toEqual([]);
    }
    await page.getByLabel('Words').fill('pager probe');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.getByRole('link', { name: 'Pager probe 23' }).waitFor();
    expect(await page.getByRole('link', { name: /^Pager probe/ }).count()).toBe(20);
    const pages = page.getByRole('navigation', { name: 'Audit event pages' });
    await pages.getByRole('button', { name: 'Next' }).click();
    await pages.getByText('Page 2').waitFor();
    await page.getByRole('link', { name: 'Pager probe 1', exact: true }).waitFor();
    expect(await page.getByRole('link', { name: /^Pager probe/ }).count()).toBe(3);
    expect(await pages.getByRole('button', { name: 'Next' }).isDisabled()).toBe(true);
    await pages.getByRole('button', { name: 'Previous' }).click();
    await page.getByRole('link', { name: 'Pager probe 23' }).waitFor();
    await page.getByRole('link', { name: 'Reports' }).click();
    await page.getByRole('img', { name: /^Events per day, last 30 days\. \d{4}-\d{2}-\d{2}: \d+/ }).waitFor();
    await page.getByRole('img', { name: /Most active actors, last 30 days\..*Demo Admin: \d+/ }).waitFor();
    await check(page, '34-audit-reports');
  });

  test('notifications: a template is created with a body per language, previewed in English and Spanish, sent, and seen in the log and the local mailbox; a channel provider is added and removed', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByText('No templates yet').waitFor();
    await page.getByRole('link', { name: 'New template' }).click();
    await page.getByLabel('Key').fill('welcome');
    await page.getByLabel('Subject in Spanish').fill('Bienvenida');
    await page.getByLabel('Subject in English').fill('Welcome');
    await page.getByLabel('Body in Spanish').fill('Hola {{name}}, bienvenida.');
    await page.getByLabel('Body in English').fill('Hello {{name}}, welcome.');
    await page.getByRole('button', { name: 'Create template' }).click();
    await page.getByRole('heading', { name: 'Template welcome' }).waitFor();
    await page.getByLabel('Preview language').selectOption('en');
    await page.getByRole('button', { name: 'Render preview' }).click();
    await page.getByTestId('preview').getByText('Hello Ana, welcome.').waitFor();
    await page.getByLabel('Preview language').selectOption('es');
    await page.getByRole('button', { name: 'Render preview' }).click();
    await page.getByTestId('preview').getByText('Hola Ana, bienvenida.').waitFor();
    await check(page, '40-notifications-template-preview');

    const sent = await p.call(`mutation($input: SendNotificationInput!) { sendNotification(input: $input) { request { id } userErrors { code message } } }`,
      { input: { templateKey: 'welcome', channel: 'EMAIL', recipient: 'ana@demo.test', locale: 'es', variables: { name: 'Ana' }, idempotencyKey: 'console-send-1' } }, admin.accessToken);
    expect(sent.data.sendNotification.userErrors).toEqual([]);
    await page.getByRole('link', { name: 'Notifications' }).click();
    await page.getByRole('link', { name: 'Delivery log' }).click();
    await page.getByRole('link', { name: 'welcome' }).waitFor();
    await check(page, '41-notifications-log');
    await page.getByRole('link', { name: 'welcome' }).click();
    await page.getByRole('heading', { name: 'Attempts' }).waitFor();
    await waitFor(async () => ((await page.getByRole('cell', { name: 'local' }).count()) > 0 ? true : (await page.reload(), null)), 20_000, 500);
    await check(page, '42-notifications-attempts');
    await page.getByRole('link', { name: 'Back' }).click();
    await page.getByRole('link', { name: 'Local mailbox' }).click();
    await page.getByRole('cell', { name: 'Hola Ana, bienvenida.' }).waitFor();
    await check(page, '43-notifications-mailbox');
    await page.getByRole('link', { name: 'Channels' }).click();
    await page.getByText('No channel configured').waitFor();
    await page.getByRole('button', { name: 'Add provider' }).click();
    const add = page.getByRole('dialog', { name: 'Add provider' });
    await add.getByLabel('Channel').selectOption('SMS');
    await add.getByLabel('Provider').selectOption('local');
    await add.getByLabel('Settings').fill('[1, 2]');
    await add.getByRole('button', { name: 'Save' }).click();
    await add.getByText('Write a JSON object').waitFor();
    await add.getByLabel('Settings').fill('{}');
    await check(page, '44-notifications-channel-form');
    await add.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Provider saved.').waitFor();
    await page.getByRole('row', { name: /SMS.*local/ }).waitFor();
    await check(page, '45-notifications-channels');
    const configs = await p.call(`{ channelConfigs { channel provider priority enabled } }`, {}, admin.accessToken);
    expect(configs.data.channelConfigs).toEqual([{ channel: 'SMS', provider: 'local', priority: 1, enabled: true }]);
    await page.getByRole('button', { name: 'Remove SMS local' }).click();
    await page.getByText('Provider removed.').waitFor();
    await page.getByText('No channel configured').waitFor();
  });

  test('users and API keys: an admin creates a key (the secret shown once), revokes it, rotates another, creates a user, grants a role and disables them; an auditor sees neither control', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await page.getByRole('link', { name: 'Users and API keys' }).click();
    await page.getByRole('cell', { name: 'maker@demo.test', exact: true }).waitFor();
    await check(page, '50-users');
    await page.getByRole('button', { name: 'New user' }).click();
    const form = page.getByRole('dialog', { name: 'New user' });
    await form.getByLabel('Name').fill('Pilar Staff');
    await form.getByLabel('E-mail').fill('pilar@demo.test');
    await form.getByLabel('Initial password').fill('pilar-password-1');
    await form.getByRole('button', { name: 'Create' }).click();
    await page.getByText('User created.').waitFor();
    await page.getByRole('cell', { name: 'pilar@demo.test', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Roles… pilar@demo.test' }).click();
    const rolesDialog = page.getByRole('dialog', { name: 'Roles…: pilar@demo.test' });
    await rolesDialog.getByLabel('product_checker').check();
    await check(page, '50b-users-roles');
    await rolesDialog.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('row', { name: /pilar@demo\.test/ }).getByRole('cell', { name: 'staff, product_checker' }).waitFor();
    const pilar = await p.call(`query($f: UserFilter) { users(filter: $f, first: 1) { edges { node { roles status } } } }`, { f: { search: 'pilar' } }, admin.accessToken);
    expect(pilar.data.users.edges[0].node).toEqual({ roles: ['staff', 'product_checker'], status: 'ACTIVE' });
    await page.getByRole('button', { name: 'Disable pilar@demo.test' }).click();
    await page.getByText('User disabled.').waitFor();
    await page.getByRole('row', { name: /pilar@demo\.test/ }).getByText('DISABLED').waitFor();
    await page.getByRole('link', { name: 'API keys', exact: true }).click();
    await page.getByText('No API keys yet').waitFor();
    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('ERP');
    await page.getByRole('dialog').getByLabel('lending:read').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    const secret = (await page.getByTestId('api-key-secret').textContent())!;
    expect(secret).toMatch(/^imk_/);
    await check(page, '51-api-key-secret-once');
    await page.getByRole('dialog', { name: 'Copy the secret now' }).getByRole('button', { name: 'Close' }).last().click();
    expect(await page.getByText(secret).count()).toBe(0);
    await page.getByRole('button', { name: 'Revoke ERP' }).click();
    await page.getByText('API key revoked.').waitFor();
    await page.getByRole('row', { name: /ERP/ }).getByText('REVOKED').waitFor();
    await check(page, '52-api-keys');
    // Rotation: a successor with its own secret (shown once); the old key keeps working for the overlap.
    await page.getByRole('button', { name: 'New API key' }).click();
    await page.getByRole('dialog').getByLabel('Name').fill('CRM');
    await page.getByRole('dialog').getByLabel('lending:read').check();
    await page.getByRole('dialog').getByRole('button', { name: 'Create' }).click();
    const crmSecret = (await page.getByTestId('api-key-secret').textContent())!;
    await page.getByRole('dialog', { name: 'Copy the secret now' }).getByRole('button', { name: 'Close' }).last().click();
    await page.getByRole('button', { name: 'Rotate CRM' }).click();
    const rotatedSecret = (await page.getByTestId('api-key-secret').textContent())!;
    expect(rotatedSecret).toMatch(/^imk_/);
    expect(rotatedSecret).not.toBe(crmSecret);
    await page.getByRole('dialog', { name: 'Copy the secret now' }).getByRole('button', { name: 'Close' }).last().click();
    await page.getByRole('row', { name: /CRM/ }).getByText('ROTATING').waitFor();
    await page.getByRole('row', { name: /CRM/ }).getByText('ACTIVE').waitFor();
    await check(page, '53-api-keys-rotated');

    const reader = await signIn('reader@demo.test', PASSWORD);
    await reader.getByRole('link', { name: 'Users and API keys' }).click();
    await reader.getByRole('cell', { name: 'maker@demo.test', exact: true }).waitFor();
    expect(await reader.getByRole('button', { name: 'New user' }).count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'API keys', exact: true }).count()).toBe(0);
    await reader.getByRole('link', { name: 'Credit products' }).click();
    await reader.getByRole('link', { name: 'CONSUMO' }).waitFor();
    expect(await reader.getByRole('link', { name: 'New product' }).count()).toBe(0);
    // A hidden view opened by its URL: the server refuses, the page shows the designed forbidden state.
    expect(await reader.getByRole('link', { name: 'Local mailbox' }).count()).toBe(0);
    await reader.goto(`${base}notifications/mailbox`);
    await reader.getByRole('alert').getByText('You do not have permission to see this.').waitFor();
    await check(reader, '54-forbidden-state');
    // The server refuses what the UI hides.
    const token = await p.login('demo', 'reader@demo.test', PASSWORD);
    const refused = await p.call(`mutation { createApiKey(input: { name: "x", scopes: ["lending:read"] }) { secret userErrors { code } } }`, {}, token.accessToken);
    expect(JSON.stringify(refused)).toMatch(/FORBIDDEN/);
  });

  test('flows: a designer creates a flow and sees its draft version; executions show their empty state', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD, 'es-EC');
    await page.getByRole('link', { name: 'Flujos de verificación' }).click();
    await page.getByText('Todavía no hay flujos').waitFor();
    await check(page, '60-flows-empty-es');
    await page.getByRole('button', { name: 'Nuevo flujo' }).click();
    await page.getByRole('dialog').getByLabel('Código').fill('KYC_BASIC');
    await page.getByRole('dialog').getByLabel('Nombre').fill('KYC básico');
    await page.getByRole('dialog').getByRole('button', { name: 'Crear flujo' }).click();
    await page.getByRole('heading', { name: 'KYC_BASIC · KYC básico' }).waitFor();
    await page.getByText('Esta versión no tiene pasos.').waitFor();
    await check(page, '61-flows-detail-es');
    await page.getByRole('link', { name: 'Volver' }).click();
    await page.getByRole('link', { name: 'Ejecuciones' }).click();
    await page.getByText('Todavía no hay ejecuciones').waitFor();
    await check(page, '62-flows-executions-es');
  });

  test('session: no token in storage, a reload resumes through refresh-token rotation, sign-out ends the session', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    const storage = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage }, cookie: document.cookie })');
    expect(storage).not.toMatch(/eyJ/); // the access token (a JWT) lives in memory only
    const first = await page.evaluate<string | null>("sessionStorage.getItem('imagy.console.refresh')");
    expect(first).toBeTruthy();
    await page.reload();
    await page.getByRole('navigation', { name: 'Modules' }).waitFor();
    const second = await page.evaluate<string | null>("sessionStorage.getItem('imagy.console.refresh')");
    expect(second).toBeTruthy();
    expect(second).not.toBe(first);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Sign in' }).waitFor();
    expect(await page.evaluate<string | null>("sessionStorage.getItem('imagy.console.refresh')")).toBeNull();
    // Server side: the rotated-away token and the signed-out one are both dead.
    const REFRESH = `mutation($input: RefreshTokenInput!) { refreshToken(input: $input) { accessToken userErrors { code } } }`;
    for (const token of [first, second]) {
      const r = await p.call(REFRESH, { input: { refreshToken: token } });
      expect(r.data.refreshToken.accessToken).toBeNull();
      expect(r.data.refreshToken.userErrors).not.toEqual([]);
    }
  });

  test('session: the refresh token is rotated shortly before the 15-minute access token expires, and the console keeps working', async () => {
    const context = await suite.browser.newContext({ locale: 'en-US' });
    contexts.push(context);
    const page = await context.newPage();
    problems.push(watchPage(page));
    await page.clock.install();
    await page.goto(base);
    await page.getByLabel('Organisation (tenant)').fill('demo');
    await page.getByLabel('E-mail').fill('admin@demo.localhost');
    await page.getByLabel('Password').fill(DEV_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Credit products' }).waitFor();
    const before = await page.evaluate<string | null>("sessionStorage.getItem('imagy.console.refresh')");
    // 14 minutes later (a minute before expiry) the timer rotates the pair.
    await page.clock.fastForward('14:05');
    await waitFor(async () => ((await page.evaluate<string | null>("sessionStorage.getItem('imagy.console.refresh')")) !== before ? true : null), 10_000, 100);
    await page.getByRole('link', { name: 'Audit' }).click();
    await page.getByRole('link', { name: /logged on/ }).first().waitFor();
  });

  // Last: it stops a subgraph.
  test('error state: with the flow subgraph down, the flows page says so and offers a retry; other modules keep working', async () => {
    const page = await signIn('admin@demo.localhost', DEV_PASSWORD);
    await p.flow.stop();
    await page.getByRole('link', { name: 'Verification flows' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('Something went wrong').waitFor();
    await alert.getByRole('button', { name: 'Try again' }).waitFor();
    await check(page, '80-error-state-subgraph-down');
    await page.getByRole('link', { name: 'Credit products' }).click();
    await page.getByRole('link', { name: 'CONSUMO' }).waitFor();
    // The browser reports the failed HTTP answer itself; nothing else may have gone wrong.
    const list = problems[problems.length - 1]!;
    const other = list.filter((m) => !/Failed to load resource/.test(m));
    list.length = 0;
    expect(other).toEqual([]);
  });
});
