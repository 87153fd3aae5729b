import { testMessageCatalogue } from '@imagy/platform/graphql/testing';
import { messages } from './messages';
import { englishOf, userError } from './user-errors';

testMessageCatalogue('audit', messages);

describe('audit error codes', () => {
  test('the size of recorded data and the size of an export range are two codes with one meaning each, in both languages', () => {
    expect(userError('TOO_LARGE', { field: 'data', params: { field: 'data', max: 16 } })).toEqual({ code: 'TOO_LARGE', message: 'data is limited to 16 KiB of JSON', field: 'data', params: { field: 'data', max: 16 } });
    expect(messages.TOO_LARGE.es).toContain('KiB de JSON');
    expect(messages.TOO_LARGE.es).not.toMatch(/rango|eventos/);
    expect(englishOf('RANGE_TOO_LARGE', { limit: 5 })).toBe('The range holds more than 5 events; export a shorter range');
    expect(messages.RANGE_TOO_LARGE.es).toMatch(/rango.*eventos/);
  });
});
