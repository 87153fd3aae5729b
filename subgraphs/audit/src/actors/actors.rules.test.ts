import { actorKindOf, memberOfEnvelope } from './actors.rules';

describe('who an audited actor is, for the caller', () => {
  const id = '5b0c6f43-2a8e-4c67-9d8e-1f0a9b2c3d4e';

  test('only identity creating a user or the user logging on proves they belong to the event tenant', () => {
    expect(memberOfEnvelope({ subject: 'identity.user.created', data: { userId: id, email: 'a@b.test', roles: [] } })).toBe(id);
    expect(memberOfEnvelope({ subject: 'identity.user.login_succeeded', data: { userId: id } })).toBe(id);
    // A failed logon, an update or any other event naming a user proves nothing about their tenant.
    for (const subject of ['identity.user.login_failed', 'identity.user.updated', 'lending.credit.disbursed', 'identity.tenant.created']) {
      expect(memberOfEnvelope({ subject, data: { userId: id } })).toBeNull();
    }
    expect(memberOfEnvelope({ subject: 'identity.user.created', data: null })).toBeNull();
    expect(memberOfEnvelope({ subject: 'identity.user.created', data: { userId: 42 } })).toBeNull();
  });

  test('a user actor is the tenant\'s USER only when known in the caller\'s tenant, otherwise EXTERNAL_USER', () => {
    expect(actorKindOf(1, id, true)).toBe('USER');
    expect(actorKindOf(2, id, true)).toBe('USER');
    expect(actorKindOf(1, id, false)).toBe('EXTERNAL_USER');
  });

  test('services, the system and anonymous callers have their own kinds', () => {
    expect(actorKindOf(4, 'apikey:1', false)).toBe('SERVICE');
    expect(actorKindOf(3, null, false)).toBe('SYSTEM');
    expect(actorKindOf(0, null, false)).toBe('ANONYMOUS');
    expect(actorKindOf(1, null, false)).toBe('ANONYMOUS');
    expect(actorKindOf(undefined, null, false)).toBe('ANONYMOUS');
  });
});
