/**
 * Masking of secrets and personal document numbers before anything is stored. Audit rows are
 * kept for years and exported to SIEMs: a token, password or full id number must never land there.
 *
 * - values under secret-like keys (password, token, secret, apiKey, authorization, otp, pin, cvv...)
 *   become "[redacted]";
 * - values under document-number keys (documentNumber, nationalId, dni, ssn, passport, taxId, rfc,
 *   curp, cuit, accountNumber, cardNumber...) keep their last 4 characters;
 * - free text: JWTs, bearer tokens, `password=...`-style pairs and long opaque strings are redacted;
 *   runs of 6+ digits and grouped digit sequences (cards, ids) keep only their last 4 digits.
 *   UUIDs, ISO dates, IPv4 addresses and e-mail addresses are left intact: they are identifiers an auditor needs.
 */
const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|authorization|auth[-_]?code|otp|^pin$|pin[-_]?code|cvv|cvc|credential|private[-_]?key|signature|cookie|session[-_]?id)/i;
const DOCUMENT_KEY = /(document[-_]?(number|no|id)|national[-_]?id|^dni$|^ssn$|social[-_]?security|passport|tax[-_]?id|^rfc$|^curp$|^cuit$|^cuil$|^nif$|^nie$|^cpf$|^rut$|account[-_]?number|card[-_]?number|^pan$|^iban$|id[-_]?number)/i;

export const REDACTED = '[redacted]';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const ISO_DATE = '\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?';
const IPV4 = '\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b';
const EMAIL = '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}';
const JWT = 'eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*';
const BEARER = '\\b(?:Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]+';
const PAIR = '\\b(?:password|passwd|pwd|secret|token|api[-_]?key|otp|pin)\\b\\s*[:=]\\s*("[^"]*"|\'[^\']*\'|\\S+)';
const OPAQUE = '\\b[A-Za-z0-9+/_-]{40,}={0,2}';
const GROUPED_DIGITS = '\\b\\d{2,6}(?:[ .-]\\d{2,6}){2,5}\\b';
const LONG_DIGITS = '\\b[A-Za-z]{0,3}\\d{6,}[A-Za-z]?\\b';

const FREE_TEXT = new RegExp(
  `(?<keep>${UUID}|${ISO_DATE}|${IPV4}|${EMAIL})|(?<token>${JWT}|${BEARER}|${OPAQUE})|(?<pair>${PAIR})|(?<digits>${GROUPED_DIGITS}|${LONG_DIGITS})`,
  'gi',
);

/** Keeps the last 4 digits (or characters) of an id number. */
export function maskNumber(value: string): string {
  const digits = value.replace(/\D/g, '');
  const tail = (digits.length >= 4 ? digits : value.replace(/\s/g, '')).slice(-4);
  return `****${tail}`;
}

export function maskText(text: string): string {
  return text.replace(FREE_TEXT, (match, ...args) => {
    const groups = args.at(-1) as Record<string, string | undefined>;
    if (groups.keep) return match;
    if (groups.token) return /^(Bearer|Basic)\s/i.test(match) ? `${match.split(/\s+/)[0]} ${REDACTED}` : REDACTED;
    if (groups.pair) return `${match.split(/[:=]/)[0]!.trimEnd()}=${REDACTED}`;
    return maskNumber(match);
  });
}

/** Deep copy of `value` with secrets removed and id numbers masked; bounded in depth and size. */
export function redact(value: unknown, depth = 0): unknown {
  if (value === null || value === undefined) return value;
  if (typeof value === 'string') return maskText(value.length > 2000 ? `${value.slice(0, 2000)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean') return value;
  if (depth > 6) return '[truncated]';
  if (Array.isArray(value)) return value.slice(0, 100).map((v) => redact(v, depth + 1));
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>).slice(0, 100)) {
      if (SECRET_KEY.test(k)) out[k] = REDACTED;
      else if (DOCUMENT_KEY.test(k) && (typeof v === 'string' || typeof v === 'number')) out[k] = maskNumber(String(v));
      else out[k] = redact(v, depth + 1);
    }
    return out;
  }
  return String(value);
}
