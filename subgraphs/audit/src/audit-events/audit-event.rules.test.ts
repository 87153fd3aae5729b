/** validateRecord's text rule (the fuzz found a BEL character stored in an audit message). */
import { validateRecord } from './audit-event.service';

const valid = { kind: 'API_ACTIVITY', activity: 'READ', operation: 'exportBorrowerData', resourceType: 'borrower' } as Parameters<typeof validateRecord>[0];

describe('validateRecord: text shown later holds no escapes, forged lines or direction tricks', () => {
  it.each(['resourceId', 'resourceName', 'message', 'idempotencyKey'] as const)('refuses them in %s naming the field', (field) => {
    for (const bad of ['\u0007bell-0001', 'red\u001b[31mtext', 'two\nlines-0001', 'evil\u202Etxt.exe', '\u2066rtl\u2069-0001', 'zero\u200Bwidth-01']) {
      expect(validateRecord({ ...valid, [field]: bad })).toEqual([expect.objectContaining({ code: 'INVALID_TEXT', field })]);
    }
  });

  it('accepts plain text, accents and joiners', () => {
    expect(validateRecord({ ...valid, resourceName: 'Ana Pérez \u{1F468}\u200D\u{1F469}', message: 'Exportó los datos', idempotencyKey: 'key-00000001' })).toEqual([]);
  });
});
