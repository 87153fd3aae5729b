import { defineMessages, type CodeOf } from '../i18n';
import { localeOf, messageIn, payload, Rejected, userErrorResolvers, userErrors, type UserError } from './user-errors';
import { testMessageCatalogue } from './testing';

const messages = defineMessages({
  AMOUNT_OUT_OF_RANGE: { en: 'The amount must be between {min} and {max}', es: 'El monto debe estar entre {min} y {max}' },
  CODE_TAKEN: { en: 'A product with code {code} already exists', es: 'Ya existe un producto con el código {code}' },
  INVALID_NAME: { en: 'The name is not valid', es: 'El nombre no es válido.' },
});
type SampleErrorCode = CodeOf<typeof messages>;
const { userError, reject } = userErrors(messages);

testMessageCatalogue('sample', messages);

describe('userError', () => {
  test('renders the English template with the params and keeps them for other languages', () => {
    const e = userError('AMOUNT_OUT_OF_RANGE', { field: 'amount', params: { min: '1000.00', max: 50_000 } });
    expect(e).toEqual({ code: 'AMOUNT_OUT_OF_RANGE', message: 'The amount must be between 1000.00 and 50000', field: 'amount', params: { min: '1000.00', max: 50_000 } });
    expect(userError('INVALID_NAME')).toEqual({ code: 'INVALID_NAME', message: 'The name is not valid', field: null });
  });

  test('accepts only the catalogue\'s codes and the params its texts name (checked by tsc)', () => {
    const code: SampleErrorCode = 'CODE_TAKEN';
    expect(userError(code, { field: 'code', params: { code: 'NOMINA-12' } }).message).toBe('A product with code NOMINA-12 already exists');
    // @ts-expect-error a code of another catalogue
    expect(() => userError('EMAIL_TAKEN')).toThrow('unknown user error code EMAIL_TAKEN');
    // @ts-expect-error the texts have {min} and {max}: params are required
    userError('AMOUNT_OUT_OF_RANGE', { field: 'amount' });
    // @ts-expect-error {max} is missing
    userError('AMOUNT_OUT_OF_RANGE', { params: { min: 1 } });
    // @ts-expect-error a code without params takes none
    userError('INVALID_NAME', { params: { name: 'x' } });
    const typed: UserError<'CODE_TAKEN'> = userError('CODE_TAKEN', { params: { code: 'X' } });
    expect(typed.code).toBe('CODE_TAKEN');
  });

  test('reject throws Rejected carrying the one userError', () => {
    let thrown: unknown;
    try { reject('CODE_TAKEN', { field: 'code', params: { code: 'A' } }); } catch (e) { thrown = e; }
    expect(thrown).toBeInstanceOf(Rejected);
    expect((thrown as Rejected).userErrors).toEqual([expect.objectContaining({ code: 'CODE_TAKEN', field: 'code' })]);
    expect((thrown as Error).message).toBe('rejected: CODE_TAKEN');
  });
});

describe('payload', () => {
  test('answers the work\'s fields with no userErrors, or the userErrors the work returned itself', async () => {
    expect(await payload(async () => ({ product: { id: 'p1' } }), { product: null })).toEqual({ product: { id: 'p1' }, userErrors: [] });
    const own = [userError('INVALID_NAME', { field: 'name' })];
    expect(await payload(async () => ({ product: null, userErrors: own }), { product: null })).toEqual({ product: null, userErrors: own });
  });

  test('turns a Rejected into the empty payload with its userErrors', async () => {
    const r = await payload(async (): Promise<{ product: { id: string } }> => reject('CODE_TAKEN', { field: 'code', params: { code: 'A' } }), { product: null });
    expect(r).toEqual({ product: null, userErrors: [expect.objectContaining({ code: 'CODE_TAKEN', message: 'A product with code A already exists' })] });
    const many = await payload(async () => { throw new Rejected([userError('INVALID_NAME'), userError('CODE_TAKEN', { params: { code: 'B' } })]); }, { version: null });
    expect(many.userErrors.map((e) => e.code)).toEqual(['INVALID_NAME', 'CODE_TAKEN']);
  });

  test('answers a unique violation with the given userErrors, or runs the work once more when told to retry', async () => {
    const unique = Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' });
    const taken = await payload(async () => { throw unique; }, { product: null }, { onUniqueViolation: () => userError('CODE_TAKEN', { field: 'code', params: { code: 'A' } }) });
    expect(taken.userErrors.map((e) => `${e.code}:${e.field}`)).toEqual(['CODE_TAKEN:code']);

    let attempts = 0;
    const replayed = await payload(async () => {
      attempts += 1;
      if (attempts === 1) throw unique;
      return { payment: 'first result' };
    }, { payment: null }, { onUniqueViolation: 'retry' });
    expect(replayed).toEqual({ payment: 'first result', userErrors: [] });
    attempts = 0;
    await expect(payload(async () => { attempts += 1; throw unique; }, { payment: null }, { onUniqueViolation: 'retry' })).rejects.toBe(unique);
    expect(attempts).toBe(2);
  });

  test('lets every other error through (bugs and authorization errors are not userErrors)', async () => {
    const bug = new TypeError('x is undefined');
    await expect(payload(async () => { throw bug; }, { product: null })).rejects.toBe(bug);
    const unique = Object.assign(new Error('dup'), { code: '23505' });
    await expect(payload(async () => { throw unique; }, { product: null })).rejects.toBe(unique);
  });
});

describe('UserError.message in the request\'s language', () => {
  const { UserError } = userErrorResolvers(messages);

  test('renders the template of the context\'s locale with the error\'s params', () => {
    const e = userError('AMOUNT_OUT_OF_RANGE', { field: 'amount', params: { min: '1000.00', max: '50000.00' } });
    expect(UserError.message(e, {}, { locale: 'es' })).toBe('El monto debe estar entre 1000.00 y 50000.00');
    expect(UserError.message(e, {}, { locale: 'en' })).toBe('The amount must be between 1000.00 and 50000.00');
    expect(UserError.message(e, {}, {})).toBe('The amount must be between 1000.00 and 50000.00');
  });

  test('keeps the English message of a code it does not know, or when params are missing', () => {
    expect(messageIn(messages, { code: 'SOMETHING_NEW', message: 'New thing', field: null }, 'es')).toBe('New thing');
    expect(messageIn(messages, { code: 'CODE_TAKEN', message: 'Taken (written by hand)', field: null }, 'es')).toBe('Taken (written by hand)');
    expect(messageIn(messages, { code: 'INVALID_NAME', message: 'x', field: null }, 'es')).toBe('El nombre no es válido.');
  });

  test('reads the locale only from a context that carries a supported one', () => {
    expect(localeOf({ locale: 'es' })).toBe('es');
    expect(localeOf({ locale: 'fr' })).toBe('en');
    expect(localeOf(null)).toBe('en');
    expect(localeOf(undefined)).toBe('en');
  });
});
