import { claimAt, idpRolesOf, isCodeVerifier, isRedirectUri, issuerProblem, mapRoles, normaliseIssuer, roleMappingProblem } from './oidc.rules';

describe('OIDC rules', () => {
  test('an issuer must be https (http only when private issuers are allowed), without credentials, query or fragment', () => {
    expect(issuerProblem('https://kc.example/realms/acme', false)).toBeNull();
    expect(issuerProblem('http://kc.example/realms/acme', false)).toBe('https is required');
    expect(issuerProblem('http://127.0.0.1:8080/realms/acme', true)).toBeNull();
    for (const bad of ['https://u:p@kc.example/realms/a', 'https://kc.example/realms/a?x=1', 'https://kc.example/realms/a#f', 'not a url', '', `https://kc.example/${'a'.repeat(300)}`]) {
      expect(issuerProblem(bad, true)).not.toBeNull();
    }
    expect(normaliseIssuer(' https://kc.example/realms/acme/ ')).toBe('https://kc.example/realms/acme');
  });

  test('the roles claim is read by dotted path, and only mapped IdP roles grant Imagy roles', () => {
    const claims = { realm_access: { roles: ['kc-staff', 'offline_access', 'kc-admin'] }, resource_access: { console: { roles: 'a b' } } };
    expect(idpRolesOf(claimAt(claims, 'realm_access.roles'))).toEqual(['kc-staff', 'offline_access', 'kc-admin']);
    expect(idpRolesOf(claimAt(claims, 'resource_access.console.roles'))).toEqual(['a', 'b']);
    expect(claimAt(claims, 'realm_access.missing')).toBeUndefined();
    expect(claimAt(claims, 'realm_access.roles.length')).toBeUndefined();
    expect(claimAt({}, 'constructor')).toBeUndefined();
    expect(mapRoles(['kc-admin', 'kc-staff', 'offline_access'], { 'kc-staff': ['staff'], 'kc-admin': ['tenant_admin', 'staff'] })).toEqual(['tenant_admin', 'staff']);
    expect(mapRoles(['toString'], {})).toEqual([]);
  });

  test('a role mapping may grant only tenant roles, each IdP role once', () => {
    expect(roleMappingProblem([{ idpRole: 'kc-staff', roles: ['staff'] }])).toBeNull();
    expect(roleMappingProblem([{ idpRole: 'kc', roles: ['platform_admin'] }])).toEqual({ index: 0, reason: 'roles' });
    expect(roleMappingProblem([{ idpRole: 'kc', roles: [] }])).toEqual({ index: 0, reason: 'roles' });
    expect(roleMappingProblem([{ idpRole: 'a', roles: ['staff'] }, { idpRole: 'a', roles: ['auditor'] }])).toEqual({ index: 1, reason: 'idpRole' });
    expect(roleMappingProblem([{ idpRole: 'with space', roles: ['staff'] }])).toEqual({ index: 0, reason: 'idpRole' });
  });

  test('PKCE verifiers and redirect URIs follow RFC 7636 and are absolute http(s) without fragment', () => {
    expect(isCodeVerifier('a'.repeat(43))).toBe(true);
    expect(isCodeVerifier('a'.repeat(42))).toBe(false);
    expect(isCodeVerifier(`${'a'.repeat(42)}+`)).toBe(false);
    expect(isRedirectUri('https://demo.example/console/auth/callback')).toBe(true);
    expect(isRedirectUri('javascript:alert(1)')).toBe(false);
    expect(isRedirectUri('https://demo.example/cb#x')).toBe(false);
  });
});
