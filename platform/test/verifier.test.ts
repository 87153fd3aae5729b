import { SignJWT, generateKeyPair, exportJWK } from 'jose';
import { TokenVerifier } from '../src/auth/verifier';
import { AuthError } from '../src/auth/errors';
import { createTestIssuer } from '../src/testing';

const reasonOf = async (p: Promise<unknown>) => {
  try { await p; return 'ACCEPTED'; } catch (e) { return e instanceof AuthError ? e.reason : String(e); }
};

describe('TokenVerifier', () => {
  test('accepts a token of a trusted issuer and exposes tenant, roles and scopes', async () => {
    const issuer = await createTestIssuer();
    const token = await issuer.mint({ tenantId: '11111111-1111-4111-8111-111111111111', userId: 'u1', roles: ['staff'], scopes: ['audit:read'] });
    const v = await issuer.verifier.verify(token);
    expect(v).toMatchObject({ sub: 'u1', tenantId: '11111111-1111-4111-8111-111111111111', roles: ['staff'], scopes: ['audit:read'] });
  });

  test('refuses expired, foreign, wrong-audience, unsigned and tampered tokens', async () => {
    const issuer = await createTestIssuer();
    const other = await createTestIssuer('https://evil.test');
    const wrongAud = { verifier: new TokenVerifier([{ issuer: issuer.issuer, audience: 'someone-else', jwks: issuer.jwks as never }]) };
    const tid = '11111111-1111-4111-8111-111111111111';
    const good = await issuer.mint({ tenantId: tid });
    const [h, b] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${b}.`;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(b!, 'base64url').toString()), roles: ['platform_admin'] })).toString('base64url')}.${good.split('.')[2]}`;
    const expired = await issuer.mint({ tenantId: tid, ttlSeconds: -10 });
    // HS256 signed with the issuer's public key material: the classic algorithm-confusion attack.
    const hs = await new SignJWT({ tid, roles: [] }).setProtectedHeader({ alg: 'HS256' }).setIssuer(issuer.issuer).setAudience('imagy').setSubject('x').setExpirationTime('5m')
      .sign(new TextEncoder().encode(JSON.stringify(issuer.jwks.keys[0])));
    expect(await reasonOf(issuer.verifier.verify(expired))).toBe('EXPIRED');
    expect(await reasonOf(issuer.verifier.verify(await other.mint({ tenantId: tid })))).toBe('WRONG_ISSUER');
    expect(await reasonOf(wrongAud.verifier.verify(good))).toBe('WRONG_AUDIENCE');
    expect(await reasonOf(issuer.verifier.verify(none))).toBe('UNSUPPORTED_ALG');
    expect(await reasonOf(issuer.verifier.verify(hs))).toBe('UNSUPPORTED_ALG');
    expect(await reasonOf(issuer.verifier.verify(tampered))).toBe('INVALID');
    expect(await reasonOf(issuer.verifier.verify('not-a-jwt'))).toBe('INVALID');
  });

  test('maps a Keycloak realm to its tenant and reads roles from a nested claim', async () => {
    const { privateKey, publicKey } = await generateKeyPair('RS256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'kc1', alg: 'RS256' };
    const realm = 'https://keycloak.test/realms/demo';
    const verifier = new TokenVerifier([{ issuer: realm, audience: 'imagy', jwks: { keys: [jwk] }, tenantId: '22222222-2222-4222-8222-222222222222', rolesClaim: 'realm_access.roles' }]);
    const token = await new SignJWT({ realm_access: { roles: ['tenant_admin'] }, scope: 'openid profile' })
      .setProtectedHeader({ alg: 'RS256', kid: 'kc1' }).setIssuer(realm).setAudience('imagy').setSubject('kc-user').setExpirationTime('5m').sign(privateKey);
    expect(await verifier.verify(token)).toMatchObject({ sub: 'kc-user', tenantId: '22222222-2222-4222-8222-222222222222', roles: ['tenant_admin'], scopes: ['openid', 'profile'] });
  });
});
