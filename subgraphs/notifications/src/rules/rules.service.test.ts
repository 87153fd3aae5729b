import { recipientUserOf } from './rules.service';

describe('the user a rule message is for', () => {
  const user = '6f1c2b7e-3d4a-4c5b-9e8f-0a1b2c3d4e5f';
  const other = '0b5e7c1d-2a3f-4e6d-8c9b-1f2e3d4c5b6a';
  test('a user id next to the recipient wins, then the event-level fields', () => {
    expect(recipientUserOf({ signer: { email: 'a@b.co', userId: user }, userId: other }, 'signer.email')).toBe(user);
    expect(recipientUserOf({ email: 'a@b.co', userId: user }, 'email')).toBe(user);
    expect(recipientUserOf({ borrowerId: user, contact: { phone: '+593991234567' } }, 'contact.phone')).toBe(user);
  });
  test('nothing that is not a UUID names a user', () => {
    expect(recipientUserOf({ email: 'a@b.co', userId: 'admin' }, 'email')).toBeNull();
    expect(recipientUserOf({ email: 'a@b.co' }, 'email')).toBeNull();
    expect(recipientUserOf(null, 'email')).toBeNull();
  });
});
