import { localeFrom, localizeResult } from './index';

describe('i18n', () => {
  test('picks Spanish or English from Accept-Language by preference, defaulting to English', () => {
    expect(localeFrom('es-MX,es;q=0.9,en;q=0.8')).toBe('es');
    expect(localeFrom('fr-FR, en;q=0.5, es;q=0.7')).toBe('es');
    expect(localeFrom('en-US,en;q=0.9')).toBe('en');
    expect(localeFrom('de')).toBe('en');
    expect(localeFrom(undefined)).toBe('en');
  });

  test('translates userErrors and coded errors it knows, and keeps the English text of the rest', () => {
    const result = {
      data: { login: { userErrors: [{ code: 'INVALID_CREDENTIALS', message: 'Invalid credentials' }, { code: 'SOMETHING_NEW', message: 'New thing' }] } },
      errors: [{ message: 'Authentication required', extensions: { code: 'UNAUTHENTICATED' } }],
    };
    localizeResult(result, 'es', { INVALID_CREDENTIALS: 'Credenciales inválidas.', UNAUTHENTICATED: 'Se requiere autenticación válida.' });
    expect(result.data.login.userErrors.map((e) => e.message)).toEqual(['Credenciales inválidas.', 'New thing']);
    expect(result.errors[0]!.message).toBe('Se requiere autenticación válida.');
  });
});
