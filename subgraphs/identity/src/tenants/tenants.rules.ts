/** Tenant input rules (pure functions, no I/O). */

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

/** A slug as callers may type it (surrounding spaces, capitals); null when no tenant can have it. */
export function normaliseSlug(raw: string): string | null {
  const slug = raw.trim().toLowerCase();
  return SLUG.test(slug) ? slug : null;
}

/** Lower-cases, drops a port and a trailing dot; returns null if it is not a DNS hostname. */
export function normaliseHostname(raw: string): string | null {
  let host = raw.trim().toLowerCase();
  host = host.replace(/:\d+$/, '').replace(/\.$/, '');
  if (host.length === 0 || host.length > 253) return null;
  const label = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
  return host.split('.').every((l) => label.test(l)) ? host : null;
}

/** A tenant's name: 1 to this many characters. */
export const MAX_NAME_LENGTH = 200;

/** At most this many hostnames per tenant. */
export const MAX_HOSTNAMES = 20;
