/**
 * Recognisers of personal document and payment numbers that may appear in free text, each by its
 * published format and check digit, so masking touches only what really is such a number and a
 * product called "Plan 300000", an amount or an order number keeps its digits. Pure functions.
 *
 * | kind                      | format                                      | check                    |
 * |---------------------------|---------------------------------------------|--------------------------|
 * | payment card (PAN)        | 13-19 digits, or groups of 4 (Amex 4-6-5)   | Luhn                     |
 * | MX CURP                   | AAAA YYMMDD H/M AAAAA X D (18)              | date + RENAPO check digit|
 * | MX RFC                    | AAA(A) YYMMDD XXX (12/13)                   | date                     |
 * | MX CLABE                  | 18 digits                                   | weights 3,7,1 mod 10     |
 * | EC cédula / RUC           | 10 digits / 13 digits ending 001            | province, mod 10 / mod 11|
 * | PE RUC                    | 11 digits, 10/15/16/17/20...                | mod 11                   |
 * | CL RUT/RUN                | 12.345.678-5                                | mod 11 (K)               |
 * | AR CUIT/CUIL              | 20-12345678-6 or 11 digits                  | mod 11                   |
 * | BR CPF / CNPJ             | 529.982.247-25 / 11.222.333/0001-81, or bare| two mod-11 digits        |
 * | CO NIT                    | 900.123.456-8 / 900123456-8                 | mod 11 (DIAN weights)    |
 * | IBAN                      | CC00 + 11..30 alphanumerics                 | mod 97                   |
 *
 * Numbers without a check digit (a Peruvian DNI, a Colombian cédula) are recognised only next to
 * their name (`dni 12345678`, `C.C. 1020304050`): see redact.ts.
 */

const digitsOf = (s: string) => s.replace(/\D/g, '');

export function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
    sum += d;
  }
  return digits.length > 0 && sum % 10 === 0;
}

function validYymmdd(s: string): boolean {
  const mm = Number(s.slice(2, 4));
  const dd = Number(s.slice(4, 6));
  return mm >= 1 && mm <= 12 && dd >= 1 && dd <= 31;
}

const CURP_CHARS = '0123456789ABCDEFGHIJKLMNÑOPQRSTUVWXYZ';

export function isCurp(value: string): boolean {
  const v = value.toUpperCase();
  if (!/^[A-Z]{4}\d{6}[HMX][A-Z]{5}[A-Z0-9]\d$/.test(v) || !validYymmdd(v.slice(4, 10))) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CURP_CHARS.indexOf(v[i]!) * (18 - i);
  return (10 - (sum % 10)) % 10 === Number(v[17]);
}

export function isRfc(value: string): boolean {
  const v = value.toUpperCase();
  const m = /^([A-ZÑ&]{3,4})(\d{6})([A-Z0-9]{3})$/.exec(v);
  return Boolean(m && validYymmdd(m[2]!));
}

export function isClabe(digits: string): boolean {
  if (!/^\d{18}$/.test(digits)) return false;
  const w = [3, 7, 1];
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ((digits.charCodeAt(i) - 48) * w[i % 3]!) % 10;
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(17) - 48;
}

export function isEcuadorCedula(digits: string): boolean {
  if (!/^\d{10}$/.test(digits)) return false;
  const province = Number(digits.slice(0, 2));
  if (!((province >= 1 && province <= 24) || province === 30) || Number(digits[2]) >= 6) return false;
  let sum = 0;
  for (let i = 0; i < 9; i++) {
    let d = (digits.charCodeAt(i) - 48) * (i % 2 === 0 ? 2 : 1);
    if (d > 9) d -= 9;
    sum += d;
  }
  return (10 - (sum % 10)) % 10 === digits.charCodeAt(9) - 48;
}

function mod11(digits: string, weights: number[]): number {
  let sum = 0;
  for (let i = 0; i < weights.length; i++) sum += (digits.charCodeAt(i) - 48) * weights[i]!;
  return sum % 11;
}

export function isEcuadorRuc(digits: string): boolean {
  if (!/^\d{13}$/.test(digits)) return false;
  const third = Number(digits[2]);
  if (third < 6) return digits.endsWith('001') && isEcuadorCedula(digits.slice(0, 10));
  const province = Number(digits.slice(0, 2));
  if (!((province >= 1 && province <= 24) || province === 30)) return false;
  if (third === 9) {
    const r = mod11(digits, [4, 3, 2, 7, 6, 5, 4, 3, 2]);
    return digits.endsWith('001') && (r === 0 ? 0 : 11 - r) === digits.charCodeAt(9) - 48;
  }
  if (third === 6) {
    const r = mod11(digits, [3, 2, 7, 6, 5, 4, 3, 2]);
    return digits.endsWith('0001') && (r === 0 ? 0 : 11 - r) === digits.charCodeAt(8) - 48;
  }
  return false;
}

export function isPeruRuc(digits: string): boolean {
  if (!/^(10|15|16|17|20)\d{9}$/.test(digits)) return false;
  const check = (11 - mod11(digits, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])) % 10;
  return check === digits.charCodeAt(10) - 48;
}

export function isChileRut(value: string): boolean {
  const m = /^(\d{1,2})\.?(\d{3})\.?(\d{3})-([\dkK])$/.exec(value);
  if (!m) return false;
  const body = `${m[1]}${m[2]}${m[3]}`;
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(body.length - 1 - i) - 48) * (2 + (i % 6));
  const r = 11 - (sum % 11);
  const dv = r === 11 ? '0' : r === 10 ? 'K' : String(r);
  return dv === m[4]!.toUpperCase();
}

export function isCuit(digits: string): boolean {
  if (!/^(20|23|24|27|30|33|34)\d{9}$/.test(digits)) return false;
  const r = mod11(digits, [5, 4, 3, 2, 7, 6, 5, 4, 3, 2]);
  const check = r === 0 ? 0 : 11 - r;
  return check < 10 && check === digits.charCodeAt(10) - 48;
}

export function isCpf(digits: string): boolean {
  if (!/^\d{11}$/.test(digits) || /^(\d)\1{10}$/.test(digits)) return false;
  const dv = (len: number) => {
    let sum = 0;
    for (let i = 0; i < len; i++) sum += (digits.charCodeAt(i) - 48) * (len + 1 - i);
    const r = (sum * 10) % 11;
    return r === 10 ? 0 : r;
  };
  return dv(9) === digits.charCodeAt(9) - 48 && dv(10) === digits.charCodeAt(10) - 48;
}

export function isCnpj(digits: string): boolean {
  if (!/^\d{14}$/.test(digits) || /^(\d)\1{13}$/.test(digits)) return false;
  const dv = (len: number) => {
    const weights = len === 12 ? [5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2] : [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2];
    const r = mod11(digits, weights);
    return r < 2 ? 0 : 11 - r;
  };
  return dv(12) === digits.charCodeAt(12) - 48 && dv(13) === digits.charCodeAt(13) - 48;
}

/** Colombian NIT with its verification digit after a dash (the bare number has no check digit). */
export function isColombiaNit(value: string): boolean {
  const m = /^(\d{3}\.?\d{3}\.?\d{3})-(\d)$/.exec(value);
  if (!m) return false;
  const body = digitsOf(m[1]!);
  const weights = [3, 7, 13, 17, 19, 23, 29, 37, 41];
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += (body.charCodeAt(body.length - 1 - i) - 48) * weights[i]!;
  const r = sum % 11;
  return (r > 1 ? 11 - r : r) === Number(m[2]);
}

export function isIban(value: string): boolean {
  const v = value.replace(/\s/g, '').toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(v)) return false;
  const moved = v.slice(4) + v.slice(0, 4);
  let remainder = 0;
  for (const ch of moved) {
    const n = /\d/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of n) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder === 1;
}

/**
 * Is this token (as it appears in text, separators included) a document or payment number by its
 * format and check digit? Card groups may be separated by single spaces or dashes.
 */
export function isDocumentNumber(token: string): boolean {
  const t = token.trim();
  if (/[A-Za-z]/.test(t)) {
    if (/\s/.test(t) || /^[A-Za-z]{2}\d{2}/.test(t)) { if (isIban(t)) return true; }
    return isCurp(t) || isRfc(t) || isChileRut(t);
  }
  if (isChileRut(t) || isColombiaNit(t)) return true;
  const d = digitsOf(t);
  if (/^[\d]+$/.test(t) || /^\d{3}\.\d{3}\.\d{3}-\d{2}$/.test(t) || /^\d{2}\.\d{3}\.\d{3}\/\d{4}-\d{2}$/.test(t) || /^\d{2}-\d{8}-\d$/.test(t) || /^\d{4}(?:[ -]\d{4,6}){2,4}$/.test(t)) {
    if (d.length >= 13 && d.length <= 19 && luhn(d)) return true;
    if (d.length === 10 && isEcuadorCedula(d)) return true;
    if (d.length === 11 && (isPeruRuc(d) || isCuit(d) || isCpf(d))) return true;
    if (d.length === 13 && isEcuadorRuc(d)) return true;
    if (d.length === 14 && isCnpj(d)) return true;
    if (d.length === 18 && isClabe(d)) return true;
  }
  return false;
}
