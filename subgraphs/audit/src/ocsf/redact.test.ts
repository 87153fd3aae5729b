import crypto from 'node:crypto';
import { isChileRut, isClabe, isCnpj, isColombiaNit, isCpf, isCuit, isCurp, isDocumentNumber, isEcuadorCedula, isEcuadorRuc, isIban, isPeruRuc, isRfc, luhn } from './documents';
import { maskNumber, maskText, redact } from './redact';

describe('document numbers are recognised by their published format and check digit', () => {
  test('valid numbers pass and a changed check digit fails', () => {
    const cases: [(v: string) => boolean, string, string][] = [
      [luhn, '4111111111111111', '4111111111111112'],
      [isCurp, 'HEGG560427MVZRRL04', 'HEGG560427MVZRRL05'],
      [isRfc, 'GODE561231GR8', 'GODE561331GR8'], // month 13
      [isClabe, '032180000118359719', '032180000118359710'],
      [isEcuadorCedula, '1710034065', '1710034066'],
      [isEcuadorRuc, '1790011674001', '1790011675001'],
      [isPeruRuc, '20131312955', '20131312956'],
      [isChileRut, '12.345.678-5', '12.345.678-4'],
      [isCuit, '20123456786', '20123456787'],
      [isCpf, '52998224725', '52998224726'],
      [isCnpj, '11222333000181', '11222333000182'],
      [isColombiaNit, '900.123.456-8', '900.123.456-7'],
      [isIban, 'ES91 2100 0418 4502 0005 1332', 'ES92 2100 0418 4502 0005 1332'],
    ];
    for (const [check, valid, invalid] of cases) {
      expect([valid, check(valid)]).toEqual([valid, true]);
      expect([invalid, check(invalid)]).toEqual([invalid, false]);
    }
  });

  test('look-alikes are not documents: repeated digits, phone numbers, amounts', () => {
    for (const v of ['11111111111', '5512345678', '1234567890', '1000000', '2025000123']) expect([v, isDocumentNumber(v)]).toEqual([v, false]);
  });
});

describe('masking of free text', () => {
  test('names, amounts, codes, dates and identifiers with digits keep every digit', () => {
    const id = crypto.randomUUID();
    for (const text of [
      'Crédito Nómina 2025', 'Plan Pyme 300000', 'Sucursal 001-002-003', 'Producto MICRO-2025-01', 'Préstamo 2025-000123',
      'monto 1000000.00 MXN', 'Pedido 1234567890', 'tel +52 55 1234 5678', 'versión 1.2.3.4', 'cuota 12 de 360',
      `crédito ${id}`, 'vence 2025-03-04', 'DNI del cliente pendiente', 'Document 2025-03-04 uploaded', 'cc 2025 report',
    ]) {
      expect(maskText(text)).toBe(text);
    }
  });

  test('card numbers (Luhn) are masked in every usual writing, keeping the last 4 digits', () => {
    for (const [text, masked] of [
      ['pago con 4111 1111 1111 1111 ok', 'pago con ****1111 ok'],
      ['pago con 4111-1111-1111-1111', 'pago con ****1111'],
      ['tarjeta 5555555555554444', 'tarjeta ****4444'],
      ['amex 3782 822463 10005', 'amex ****0005'],
    ]) expect(maskText(text!)).toBe(masked);
  });

  test('Latin American document numbers with a check digit are masked wherever they appear', () => {
    for (const [text, masked] of [
      ['cliente 1710034065 aprobado', 'cliente ****4065 aprobado'], // Ecuadorian cédula, no label needed
      ['RUC 1790011674001 y 20131312955', 'RUC ****4001 y ****2955'], // Ecuadorian and Peruvian RUC
      ['CURP HEGG560427MVZRRL04', 'CURP ****2704'],
      ['titular GODE561231GR8', 'titular ****18'], // RFC
      ['CLABE 032180000118359719', 'CLABE ****9719'],
      ['RUT 12.345.678-5', 'RUT ****6785'],
      ['CUIT 20-12345678-6', 'CUIT ****6786'],
      ['CPF 529.982.247-25', 'CPF ****4725'],
      ['CNPJ 11.222.333/0001-81', 'CNPJ ****0181'],
      ['NIT 900.123.456-8', 'NIT ****4568'],
      ['IBAN ES91 2100 0418 4502 0005 1332', 'IBAN ****1332'],
    ]) expect(maskText(text!)).toBe(masked);
  });

  test('numbers without a check digit are masked when they follow their document\'s name', () => {
    for (const [text, masked] of [
      ['dni 12345678', 'dni ****5678'],
      ['DNI: 12.345.678', 'DNI: ****5678'],
      ['C.C. 1020304050 de Bogotá', 'C.C. ****4050 de Bogotá'],
      ['cédula No. 80123456', 'cédula No. ****3456'],
      ['pasaporte G12345678', 'pasaporte ****5678'],
      ['the DNI number is 87654321.', 'the DNI number is ****4321.'],
      ['número de documento 87654321', 'número de documento ****4321'],
    ]) expect(maskText(text!)).toBe(masked);
  });

  test('a masked number never keeps all of its digits', () => {
    expect(maskNumber('1234')).toBe('****');
    expect(maskNumber('123456')).toBe('****56');
    expect(maskNumber('12345678')).toBe('****5678');
    for (const n of ['4111111111111111', '1710034065', 'HEGG560427MVZRRL04', '12.345.678-5']) {
      const digits = n.replace(/\D/g, '');
      expect(maskText(`x ${n} y`)).not.toContain(digits);
      expect(maskText(`x ${n} y`)).not.toContain(n);
    }
  });
});

describe('masking of structured data', () => {
  test('declared document fields are masked whatever their value looks like, other fields keep their digits', () => {
    expect(redact({ documentNumber: '1234', dni: 12345678, borrowerCedula: 'X-55', name: 'Plan 300000', amount: '1000000.00', nested: { curp: 'HEGG560427MVZRRL04', taxId: 'abc' } })).toEqual({
      documentNumber: '****', dni: '****5678', borrowerCedula: '****', name: 'Plan 300000', amount: '1000000.00', nested: { curp: '****2704', taxId: '****' },
    });
  });

  test('free text inside data is masked the same way', () => {
    expect(redact({ notes: ['cliente 1710034065', 'Plan 300000'] })).toEqual({ notes: ['cliente ****4065', 'Plan 300000'] });
  });
});
