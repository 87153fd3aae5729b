/**
 * Masking of secrets and personal document numbers before anything is stored. Audit rows are
 * kept for years and exported to SIEMs: a token, password or full id number must never land there.
 * Everything else keeps its digits: names ("Crédito Nómina 2025", "Plan 300000"), amounts, order
 * and product codes, dates, UUIDs, IPs and e-mails are what an auditor needs to read.
 *
 * - values under secret-like keys (password, token, secret, apiKey, authorization, otp, pin, cvv...)
 *   become "[redacted]";
 * - values under declared document-number keys (documentNumber, nationalId, dni, cedula, ssn,
 *   passport, taxId, rfc, curp, ruc, rut, cuit, nit, cpf, cnpj, clabe, iban, accountNumber,
 *   cardNumber...) are masked whatever they look like;
 * - free text: JWTs, bearer tokens, `password=...`-style pairs and long opaque strings are redacted;
 *   a number is masked when it is a document or payment number by its format and check digit
 *   (cards by Luhn, CURP, RFC, CLABE, Ecuadorian cédula/RUC, Peruvian RUC, Chilean RUT, CUIT, CPF,
 *   CNPJ, NIT, IBAN: documents.ts), or when it follows a document's name (`dni 12345678`,
 *   `C.C. 1020304050`, `pasaporte G1234567`), which covers the ones without a check digit.
 * A masked number keeps at most its last 4 digits (fewer for short numbers): never all of it.
 */
import { isDocumentNumber } from './documents';

const SECRET_KEY = /(pass(word|wd|phrase)?|secret|token|api[-_]?key|authorization|auth[-_]?code|otp|^pin$|pin[-_]?code|cvv|cvc|credential|private[-_]?key|signature|cookie|session[-_]?id)/i;
const DOCUMENT_KEY = /(document[-_]?(number|no|id)|national[-_]?id|^dni$|c[ée]dula|^ssn$|social[-_]?security|passport|pasaporte|tax[-_]?id|^rfc$|^curp$|^cuit$|^cuil$|^nif$|^nie$|^cpf$|^cnpj$|^rut$|^run$|^ruc$|^nit$|^dui$|^clabe$|account[-_]?number|card[-_]?number|^pan$|^iban$|id[-_]?number)/i;

export const REDACTED = '[redacted]';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';
const ISO_DATE = '\\d{4}-\\d{2}-\\d{2}(?:[T ]\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?)?';
const IPV4 = '\\b(?:\\d{1,3}\\.){3}\\d{1,3}\\b';
const EMAIL = '[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}';
const JWT = 'eyJ[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]{5,}\\.[A-Za-z0-9_-]*';
const BEARER = '\\b(?:Bearer|Basic)\\s+[A-Za-z0-9._~+/=-]+';
const PAIR = '\\b(?:password|passwd|pwd|secret|token|api[-_]?key|otp|pin)\\b\\s*[:=]\\s*("[^"]*"|\'[^\']*\'|\\S+)';
const OPAQUE = '\\b[A-Za-z0-9+/_-]{40,}={0,2}';
/** A document's name, then its number: the number is masked whatever its digits (DNI, cédula... have no check digit). */
const DOC_NAME = '(?:dni|c[ée]dula(?:\\s+de\\s+identidad)?|c\\.\\s?[ci]\\.|ci|cc|ruc|rut|run|cuit|cuil|curp|rfc|cpf|cnpj|nit|nie|nif|ine|dui|pasaporte|passport|ssn|documento\\s+de\\s+identidad|document\\s+number|n[úu]mero\\s+de\\s+documento)';
const DOC_NUMBER_MARK = '(?:\\s*(?:number|n[úu]mero|(?:n[º°o]|nro|n[úu]m|no|n)\\.?(?!\\p{L})|#))?(?:\\s+(?:is|es))?\\s*[:=#]?\\s*';
const LABELLED = `(?<![\\p{L}\\p{N}])${DOC_NAME}${DOC_NUMBER_MARK}(?<labelled>[\\p{L}\\p{N}](?:[\\p{L}\\p{N}]|[.\\-/](?=[\\p{L}\\p{N}])){3,29})(?![\\p{L}\\p{N}]|[.\\-/][\\p{L}\\p{N}])`;
/**
 * Tokens that could be a document or payment number: bare digit runs, the punctuated national
 * formats, card groups, CURP/RFC-shaped and IBAN-shaped words. Only those whose check passes
 * (documents.ts) are masked.
 */
const CANDIDATE = [
  '\\d{4}(?:[ -]\\d{4,6}){2,4}', // card groups (4-4-4-4, Amex 4-6-5)
  '\\d{1,3}(?:\\.\\d{3}){2}-[\\dkK]', // RUT 12.345.678-5, NIT 900.123.456-8
  '\\d{7,9}-[\\dkK]', // RUT / NIT without dots
  '\\d{3}\\.\\d{3}\\.\\d{3}-\\d{2}', // CPF
  '\\d{2}\\.\\d{3}\\.\\d{3}/\\d{4}-\\d{2}', // CNPJ
  '\\d{2}-\\d{8}-\\d', // CUIT/CUIL
  '[A-Za-z]{2}\\d{2}(?: ?[A-Za-z0-9]{4}){2,7}(?: ?[A-Za-z0-9]{1,4})?', // IBAN
  '[A-Za-zÑñ&]{3,4}\\d{6}[A-Za-z0-9]{3,8}', // RFC, CURP
  '\\d{10,19}', // card, cédula, RUC, CUIT, CPF, CNPJ, CLABE without separators
].join('|');

const KEEP_WHOLE = new RegExp(`^(?:${UUID}|${ISO_DATE}|${IPV4})$`);

const FREE_TEXT = new RegExp(
  `(?<keep>${UUID}|${ISO_DATE}|${IPV4}|${EMAIL})|(?<token>${JWT}|${BEARER}|${OPAQUE})|(?<pair>${PAIR})|${LABELLED}|(?<![\\p{L}\\p{N}.,/-])(?<candidate>${CANDIDATE})(?![\\p{L}\\p{N}]|[.,/-]\\p{N})`,
  'giu',
);

const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text PostgreSQL can store: NUL and lone UTF-16 surrogates become U+FFFD. Our own API refuses
 * such input; events of other producers are recorded anyway (an audit trail must not drop one
 * because a field held a character the database cannot take).
 */
export function storableText(text: string): string {
  return text.replace(UNSTORABLE, '\uFFFD');
}

/** A deep copy with every string (keys too) made storable. */
export function storableDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return storableText(value);
  if (value === null || typeof value !== 'object' || depth > 64) return value;
  if (Array.isArray(value)) return value.map((v) => storableDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [storableText(k), storableDeep(v, depth + 1)]));
}

/** Masks an id number: at most its last 4 digits survive (2 for 5-7 digits, none below), never all of it. */
export function maskNumber(value: string): string {
  const digits = value.replace(/\D/g, '');
  const keep = digits.length >= 8 ? 4 : digits.length >= 5 ? 2 : 0;
  return `****${keep ? digits.slice(-keep) : ''}`;
}

export function maskText(text: string): string {
  return text.replace(FREE_TEXT, (match, ...args) => {
    const groups = args.at(-1) as Record<string, string | undefined>;
    if (groups.keep) return match;
    if (groups.token) return /^(Bearer|Basic)\s/i.test(match) ? `${match.split(/\s+/)[0]} ${REDACTED}` : REDACTED;
    if (groups.pair) return `${match.split(/[:=]/)[0]!.trimEnd()}=${REDACTED}`;
    if (groups.labelled !== undefined) {
      // A document's name followed by prose ("DNI del cliente"), a short number or a date is no document number.
      if ((groups.labelled.match(/\d/g) ?? []).length < 5 || KEEP_WHOLE.test(groups.labelled)) return match;
      return `${match.slice(0, match.length - groups.labelled.length)}${maskNumber(groups.labelled)}`;
    }
    return groups.candidate && isDocumentNumber(groups.candidate) ? maskNumber(groups.candidate) : match;
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
