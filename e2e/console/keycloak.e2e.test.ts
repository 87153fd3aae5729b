/**
 * "Entrar con Keycloak" in a real browser: the console offers single sign-on only for a tenant whose
 * identity provider is configured, runs the code flow with PKCE against a local server playing a
 * Keycloak realm (platform/src/testing/fake-keycloak.ts), and lands signed in with the mapped roles;
 * the access token stays in memory (neither localStorage nor sessionStorage holds it).
 */
import { startFakeKeycloak, type FakeKeycloak } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from '../harness';
import { checkPage, ensureConsoleBuild, browserSuite, signInPage, watchPage } from './browser';

jest.setTimeout(240_000);

// The fake realm listens on 127.0.0.1 over http.
process.env.IDENTITY_ALLOW_PRIVATE_OIDC_URLS = '1';

describe('console: sign in with Keycloak', () => {
  let p: Platform;
  let kc: FakeKeycloak;
  const suite = browserSuite();
  let base: string;
  const { contexts } = suite;

  beforeAll(async () => {
    const dist = ensureConsoleBuild()!;
    p = await startPlatform({ label: 'e2ekeycloak', console: dist });
    base = p.gatewayUrl.replace(/\/graphql$/, '/console/');
    kc = await startFakeKeycloak({ realm: 'demo' });
    kc.addClient({ clientId: 'imagy-console', secret: 'a-client-secret-1234', redirectUris: [`${base}auth/callback`] });
    kc.addUser({ username: 'rosa', password: 'realm-password-1', email: 'rosa@demo.test', name: 'Rosa', realmRoles: ['imagy-staff', 'imagy-auditor', 'offline_access'] });
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const user = await p.call(CREATE_USER, { input: { email: 'rosa@demo.test', displayName: 'Rosa', roles: ['borrower'], password: 'local-password-1' } }, admin.accessToken);
    expect(user.data.createUser.userErrors).toEqual([]);
  });
  afterAll(async () => {
    await kc?.close();
    await p?.stop();
  });

  test('a tenant admin configures the realm in the single sign-on module; a wrong role mapping is refused naming the rule, and the secret is never shown back (the realm\'s client is confidential: the sign-in below uses it)', async () => {
    const track = { contexts, problems: [] as string[][] };
    const admin = await signInPage(suite.browser, base, track, 'admin@demo.localhost', DEV_PASSWORD);
    await admin.getByRole('link', { name: 'Single sign-on' }).click();
    await admin.getByText('Not configured yet.').waitFor();
    await admin.getByLabel('Issuer URL').fill(kc.issuer);
    await admin.getByLabel('Client id').fill('imagy-console');
    await admin.getByLabel('Client secret').fill('a-client-secret-1234');
    await admin.getByLabel('Role mapping').fill('imagy-staff = staff\nimagy-auditor = platform_admin');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText(/must grant one or more of these roles/).first().waitFor();
    await admin.getByLabel('Role mapping').fill('imagy-staff = staff\nimagy-auditor = auditor');
    await admin.getByRole('button', { name: 'Save' }).click();
    await admin.getByText('Single sign-on saved.').waitFor();
    expect(await admin.getByLabel('Client secret').inputValue()).toBe('');
    await admin.getByText('A secret is stored; leave empty to keep it.').waitFor();
    await checkPage(admin, '91-sso-config');
    for (const list of track.problems) expect(list).toEqual([]);
  });

  test('the Keycloak button appears only for a tenant with a provider; signing in through the realm lands in the console with the mapped roles and the access token only in memory', async () => {
    const context = await suite.browser.newContext({ locale: 'es-EC', viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchPage(page);
    let accessToken: string | null = null;
    page.on('response', (res) => {
      if (!res.url().endsWith('/graphql')) return;
      void res.json().then((body: { data?: { completeOidcLogin?: { accessToken?: string } } }) => { accessToken = body.data?.completeOidcLogin?.accessToken ?? accessToken; }).catch(() => undefined);
    });
    await page.goto(base);

    // The platform tenant has no provider: its options answer null, and no button is shown.
    const answered = (slug: string) => page.waitForResponse((res) => res.url().endsWith('/graphql') && (res.request().postData() ?? '').includes(`"tenantSlug":"${slug}"`));
    const platformAnswer = answered('platform');
    await page.getByLabel('Organización (tenant)').fill('platform');
    expect((await (await platformAnswer).json()).data.oidcLoginOptions).toBeNull();
    expect(await page.getByRole('button', { name: 'Entrar con Keycloak' }).count()).toBe(0);

    await page.getByLabel('Organización (tenant)').fill('demo');
    const button = page.getByRole('button', { name: 'Entrar con Keycloak' });
    await button.waitFor();
    await checkPage(page, '90-login-keycloak');
    await button.click();

    // The realm's own login form (another origin), then back to /console/auth/callback.
    await page.waitForURL((url) => url.href.startsWith(`${kc.issuer}/protocol/openid-connect/auth`));
    const challenge = new URL(page.url()).searchParams;
    expect(challenge.get('code_challenge_method')).toBe('S256');
    expect(challenge.get('redirect_uri')).toBe(`${base}auth/callback`);
    await page.getByLabel('Username or email').fill('rosa');
    await page.getByLabel('Password').fill('realm-password-1');
    await page.getByRole('button', { name: 'Sign In' }).click();

    await page.getByRole('navigation', { name: 'Módulos' }).waitFor();
    await page.waitForURL(base);
    expect(await page.locator('.whoami .role').allTextContents()).toEqual(['staff', 'auditor']);
    expect(accessToken).toMatch(/^eyJ/);
    const storage = await page.evaluate<string>('JSON.stringify({ local: { ...localStorage }, session: { ...sessionStorage } })');
    expect(storage).not.toContain(accessToken!);
    expect(storage).not.toMatch(/eyJ[\w-]+\.[\w-]+\.[\w-]+/);
    // The PKCE round trip (verifier, state, nonce) is gone once used.
    expect(storage).not.toContain('imagy.console.oidc');
    // The signed-in console works with that token: a module opens.
    await page.getByRole('link', { name: /Usuarios|Users/ }).first().waitFor();
    expect(problems).toEqual([]);
  });

  test('a callback this tab did not start, or the realm\'s refusal, shows the error in the user\'s language and leads back to sign-in', async () => {
    const context = await suite.browser.newContext({ locale: 'es-EC' });
    contexts.push(context);
    const page = await context.newPage();
    const problems = watchPage(page);
    await page.goto(`${base}auth/callback?code=forged-code&state=forged-state`);
    await page.getByRole('alert').getByText('Esta respuesta de inicio de sesión no se inició desde esta pestaña (o ya se usó). Inicie sesión de nuevo.').waitFor();
    await page.goto(`${base}auth/callback?error=access_denied&state=x`);
    await page.getByRole('alert').getByText('El proveedor de identidad no inició su sesión. Inicie sesión de nuevo.').waitFor();
    await checkPage(page, '92-keycloak-callback-error');
    await page.getByRole('button', { name: 'Volver al inicio de sesión' }).click();
    await page.getByRole('button', { name: 'Ingresar' }).waitFor();
    expect(problems).toEqual([]);
  });
});
