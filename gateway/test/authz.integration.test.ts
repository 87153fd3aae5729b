/**
 * @authenticated, @requiresScopes and @policy from the subgraph SDLs, enforced by the gateway
 * before any fetch: refused fields come back null with a FORBIDDEN error, the rest is answered.
 */
import { authzRulesFromSupergraph } from '../src/authz';
import { bearer, startWorld, type World } from './support';

let world: World;

beforeAll(async () => { world = await startWorld(); });
afterAll(async () => { await world?.stop(); });
beforeEach(() => world.resetCalls());

const forbidden = (path: (string | number)[]) => expect.objectContaining({ message: 'Unauthorized field or type', path, extensions: { code: 'FORBIDDEN' } });

describe('authorization directives in the supergraph', () => {
  it('composes the subgraph directives into the supergraph as security links the gateway reads', () => {
    expect(world.supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/requiresScopes/v0.1", for: SECURITY)');
    expect(world.supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/authenticated/v0.1", for: SECURITY)');
    expect(world.supergraphSdl).toContain('@link(url: "https://specs.apollo.dev/policy/v0.1", for: SECURITY)');
    const rules = authzRulesFromSupergraph(world.supergraphSdl);
    expect(rules.fields.get('Query.auditTrail')).toEqual([{ kind: 'scopes', anyOf: [['audit:read']] }]);
    expect(rules.fields.get('User.auditTrail')).toEqual([{ kind: 'scopes', anyOf: [['audit:read']] }]);
    expect(rules.fields.get('Query.me')).toEqual([{ kind: 'authenticated' }]);
    expect(rules.fields.get('Query.complianceReport')).toEqual([{ kind: 'policy', anyOf: [['compliance']] }]);
    expect(rules.types.get('Secret')).toEqual([{ kind: 'authenticated' }]);
  });
});

describe('gateway authorization of @requiresScopes', () => {
  it('answers a scoped field as null with a FORBIDDEN error for a token without the scope, and the rest of the operation normally', async () => {
    const res = await world.gql('{ greeting auditTrail }', bearer(await world.userToken()));
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ greeting: 'hello', auditTrail: null });
    expect(res.body.errors).toEqual([forbidden(['auditTrail'])]);
    expect(world.calls.auditTrail).toBe(0);
  });

  it('answers the scoped field to a token that has the scope', async () => {
    const res = await world.gql('{ greeting auditTrail }', bearer(await world.userToken({ scope: 'profile audit:read' })));
    expect(res.body).toEqual({ data: { greeting: 'hello', auditTrail: ['login', 'logout'] } });
    expect(world.calls.auditTrail).toBe(1);
  });

  it('never serves a caller without the scope the query plan cached for a caller with it', async () => {
    const withScope = await world.gql('query Trail { greeting auditTrail }', bearer(await world.userToken({ scope: 'audit:read' })));
    expect(withScope.body.data.auditTrail).toEqual(['login', 'logout']);
    const without = await world.gql('query Trail { greeting auditTrail }', bearer(await world.userToken()));
    expect(without.body.data).toEqual({ greeting: 'hello', auditTrail: null });
    expect(world.calls.auditTrail).toBe(1);
  });

  it('does not fetch a scoped entity field from its subgraph when the caller lacks the scope', async () => {
    const res = await world.gql('{ me { id displayName auditTrail } }', bearer(await world.userToken()));
    expect(res.body.data).toEqual({ me: { id: 'user-1', displayName: 'Ana', auditTrail: null } });
    expect(res.body.errors).toEqual([forbidden(['me', 'auditTrail'])]);
    expect(world.calls.audit).toBe(0);
    expect(world.calls.userAuditTrail).toBe(0);
  });

  it('fetches the scoped entity field across subgraphs when the caller has the scope', async () => {
    const res = await world.gql('{ me { id auditTrail } }', bearer(await world.userToken({ scope: 'audit:read' })));
    expect(res.body).toEqual({ data: { me: { id: 'user-1', auditTrail: ['trail of user-1'] } } });
    expect(world.calls.userAuditTrail).toBe(1);
  });

  it('treats the outer scope list as OR and the inner lists as AND', async () => {
    const only = await world.gql('{ greeting auditCount }', bearer(await world.userToken({ scope: 'audit:read' })));
    expect(only.body.data).toBeNull();
    expect(only.body.errors).toEqual([forbidden(['auditCount'])]);
    const both = await world.gql('{ auditCount }', bearer(await world.userToken({ scope: 'audit:read audit:count' })));
    expect(both.body).toEqual({ data: { auditCount: 2 } });
    const alternative = await world.gql('{ auditCount }', bearer(await world.userToken({ scope: 'platform:all' })));
    expect(alternative.body).toEqual({ data: { auditCount: 2 } });
  });

  it('applies the rules inside named fragments too', async () => {
    const res = await world.gql('query Q { ...Parts } fragment Parts on Query { greeting auditTrail }', bearer(await world.userToken()));
    expect(res.body.data).toEqual({ greeting: 'hello', auditTrail: null });
    expect(res.body.errors).toEqual([forbidden(['auditTrail'])]);
  });
});

describe('gateway authorization of @authenticated', () => {
  it('returns only errors, and calls no subgraph, when an anonymous caller asks only for authenticated fields', async () => {
    const res = await world.gql('{ me { id displayName } }');
    expect(res.status).toBe(200);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([forbidden(['me'])]);
    expect(world.calls).toEqual({ identity: 0, audit: 0, auditTrail: 0, userAuditTrail: 0 });
  });

  it('answers public fields to an anonymous caller and nulls the authenticated ones', async () => {
    const res = await world.gql('{ greeting me { id } }');
    expect(res.body.data).toEqual({ greeting: 'hello', me: null });
    expect(res.body.errors).toEqual([forbidden(['me'])]);
  });

  it('refuses a field whose type is marked @authenticated to an anonymous caller and answers it to a token', async () => {
    const anonymous = await world.gql('{ greeting secret { code } }');
    expect(anonymous.body.data).toEqual({ greeting: 'hello', secret: null });
    expect(anonymous.body.errors).toEqual([forbidden(['secret'])]);
    const signedIn = await world.gql('{ secret { code } }', bearer(await world.userToken()));
    expect(signedIn.body).toEqual({ data: { secret: { code: 's3cr3t' } } });
  });
});

describe('gateway authorization of @policy', () => {
  it('satisfies a policy with a role of that name', async () => {
    const refused = await world.gql('{ complianceReport }', bearer(await world.userToken()));
    expect(refused.body.errors).toEqual([forbidden(['complianceReport'])]);
    const res = await world.gql('{ complianceReport }', bearer(await world.userToken({ roles: ['staff', 'compliance'] })));
    expect(res.body).toEqual({ data: { complianceReport: 'all good' } });
  });

  it('satisfies a policy with a scope of that name', async () => {
    const res = await world.gql('{ complianceReport }', bearer(await world.userToken({ scope: 'compliance' })));
    expect(res.body).toEqual({ data: { complianceReport: 'all good' } });
  });

  it('nulls the nearest nullable parent when a refused field is non-null', async () => {
    const res = await world.gql('{ me { id internalNote } }', bearer(await world.userToken()));
    expect(res.body.data).toEqual({ me: null });
    expect(res.body.errors).toEqual([forbidden(['me', 'internalNote'])]);
    const support = await world.gql('{ me { id internalNote } }', bearer(await world.userToken({ roles: ['support'] })));
    expect(support.body).toEqual({ data: { me: { id: 'user-1', internalNote: 'vip' } } });
  });
});
