import crypto from 'node:crypto';
import { SigningTokens } from './token';

describe('signing tokens', () => {
  const tokens = new SigningTokens(crypto.randomBytes(32));
  const claims = { tenantId: crypto.randomUUID(), signerId: crypto.randomUUID(), generation: 3 };

  test('a token reads back its claims', () => {
    const token = tokens.issue(claims);
    expect(token).toMatch(/^sgn_[A-Za-z0-9_-]{80}$/);
    expect(tokens.read(token)).toEqual(claims);
  });

  test('any changed character, another key or another shape reads as nothing', () => {
    const token = tokens.issue(claims);
    for (let i = 4; i < token.length; i += 7) {
      const c = token[i] === 'A' ? 'B' : 'A';
      expect(tokens.read(`${token.slice(0, i)}${c}${token.slice(i + 1)}`)).toBeNull();
    }
    expect(new SigningTokens(crypto.randomBytes(32)).read(token)).toBeNull();
    for (const bad of ['', 'sgn_', `${token}x`, token.replace('sgn_', 'flw_'), 'sgn_' + '!'.repeat(80)]) expect(tokens.read(bad)).toBeNull();
  });
});
