import { catalogueIn, catalogueProblems, defineMessages, ERROR_CODES_ES, localeFrom, localizeResult, placeholdersOf, PLATFORM_MESSAGES, renderMessage } from './index';

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

describe('message catalogues', () => {
  test('render {params} and report a missing one', () => {
    expect(renderMessage('Between {min} and {max}', { min: 1, max: '2.50' })).toBe('Between 1 and 2.50');
    expect(renderMessage('Between {min} and {max}', { min: 1 })).toBeNull();
    expect(renderMessage('No params', undefined)).toBe('No params');
    expect(placeholdersOf('{b} then {a} then {b}')).toEqual(['a', 'b']);
  });

  test('catalogueProblems finds empty texts, bad codes and templates that disagree on params', () => {
    const bad = defineMessages({
      OK: { en: 'Fine {x}', es: 'Bien {x}' },
      NO_ES: { en: 'English only', es: ' ' },
      lower: { en: 'a', es: 'b' },
      PARAMS: { en: 'Between {min} and {max}', es: 'Fuera de rango' },
    });
    expect(catalogueProblems(bad)).toEqual(['NO_ES: no es text', 'lower: codes are UPPER_SNAKE_CASE', 'PARAMS: en uses {max, min} but es uses {}']);
    expect(catalogueProblems(PLATFORM_MESSAGES)).toEqual([]);
  });

  test('the platform\'s error codes keep their Spanish in the flat catalogue startSubgraph merges', () => {
    expect(ERROR_CODES_ES).toEqual(catalogueIn(PLATFORM_MESSAGES, 'es'));
    expect(ERROR_CODES_ES.FORBIDDEN).toBe('No tiene permiso para realizar esta acción.');
    expect(Object.keys(ERROR_CODES_ES).sort()).toEqual(['BAD_USER_INPUT', 'CONFLICT', 'FORBIDDEN', 'INTERNAL_SERVER_ERROR', 'NOT_FOUND', 'UNAUTHENTICATED']);
  });

  test('localizeResult never writes a template with params (the UserError.message resolver renders those)', () => {
    const result = { data: { book: { userErrors: [{ code: 'AMOUNT_OUT_OF_RANGE', message: 'El monto debe estar entre 1 y 2' }, { code: 'INVALID_NAME', message: 'The name is not valid' }] } } };
    localizeResult(result, 'es', catalogueIn(defineMessages({
      AMOUNT_OUT_OF_RANGE: { en: 'Between {min} and {max}', es: 'El monto debe estar entre {min} y {max}' },
      INVALID_NAME: { en: 'The name is not valid', es: 'El nombre no es válido.' },
    }), 'es'));
    expect(result.data.book.userErrors.map((e) => e.message)).toEqual(['El monto debe estar entre 1 y 2', 'El nombre no es válido.']);
  });
});
