/** Input rules shared by the identity services (pure functions, no I/O). */

export interface UserError {
  code: string;
  message: string;
  field: string | null;
}

export const userError = (code: string, message: string, field: string | null = null): UserError => ({ code, message, field });

/**
 * Active ISO 4217 currency codes (2025 list, funds and precious metals excluded). Validation uses
 * this list rather than Intl's, which also knows withdrawn codes.
 */
export const ISO_4217 = new Set(
  ('AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD BTN BWP BYN BZD ' +
    'CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF ' +
    'GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP ' +
    'LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB ' +
    'PEN PGK PHP PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL ' +
    'THB TJS TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG')
    .split(' '),
);

export function isCurrency(code: string): boolean {
  return ISO_4217.has(code);
}

/** IANA zone names accepted by this runtime's ICU (e.g. America/Mexico_City); rejects offsets like "+01:00". */
export function isTimeZone(zone: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const LOCALES = ['es', 'en'] as const;
export type Locale = (typeof LOCALES)[number];

export const SLUG = /^[a-z0-9][a-z0-9-]{0,38}[a-z0-9]$/;

/** Lower-cases, drops a port and a trailing dot; returns null if it is not a DNS hostname. */
export function normaliseHostname(raw: string): string | null {
  let host = raw.trim().toLowerCase();
  host = host.replace(/:\d+$/, '').replace(/\.$/, '');
  if (host.length === 0 || host.length > 253) return null;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  return host.split('.').every((l) => label.test(l)) ? host : null;
}

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/** Deliberately simple: one @, a dot in the domain, no spaces, at most 254 characters. */
export function isEmail(email: string): boolean {
  return email.length <= 254 && /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email);
}

/** E.164: a plus, a country code not starting with 0, 8 to 15 digits in all. */
export function isE164(phone: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(phone);
}

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

export function passwordProblem(password: string, field = 'password'): UserError | null {
  if (password.length < MIN_PASSWORD_LENGTH) return userError('WEAK_PASSWORD', `The password must have at least ${MIN_PASSWORD_LENGTH} characters`, field);
  if (password.length > MAX_PASSWORD_LENGTH) return userError('WEAK_PASSWORD', `The password must have at most ${MAX_PASSWORD_LENGTH} characters`, field);
  return null;
}
