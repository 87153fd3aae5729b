/** User input rules (pure functions, no I/O); login normalises e-mails with the same function. */
import isEmailAddress from 'validator/lib/isEmail';
import { userError, type UserError } from '../common/user-error';
import { hasLoneSurrogate, isSafeText } from '../common/text';

/** The longest e-mail address SMTP can carry (RFC 5321 path limit minus the angle brackets). */
export const MAX_EMAIL_LENGTH = 254;

export function normaliseEmail(raw: string): string {
  return raw.trim().toLowerCase();
}

/**
 * An address the `validator` package accepts (RFC 5321 syntax, a dotted domain with a TLD, no
 * display name, no IP-literal domain; UTF-8 local parts allowed), at most 254 characters, with
 * none of the characters refused in names (common/text.ts): the package lets bidi overrides
 * through in UTF-8 local parts and internationalised domains.
 */
export function isEmail(email: string): boolean {
  return email.length <= MAX_EMAIL_LENGTH && isSafeText(email) && isEmailAddress(email, { allow_display_name: false, allow_ip_domain: false, require_tld: true, allow_utf8_local_part: true });
}

/** E.164: a plus, a country code not starting with 0, 8 to 15 digits in all. */
export function isE164(phone: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(phone);
}

/** A phone as typed (spaces, parentheses, dashes allowed) -> digits with a plus; empty -> null. */
export function normalisePhone(raw: string | null | undefined): string | null {
  return raw == null || raw.trim() === '' ? null : raw.replace(/[\s()-]/g, '');
}

export const MAX_DISPLAY_NAME_LENGTH = 120;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

/** Only spaces, separators, control and format (invisible) characters: nothing a person can read or type on purpose. */
const NOTHING_VISIBLE = /^[\p{Cc}\p{Cf}\p{Z}\s]*$/u;

/**
 * Why a new password is refused, or null: 10 to 1024 characters, at least one of them visible,
 * and valid Unicode (a lone surrogate would be hashed as U+FFFD, so two different passwords
 * would match).
 */
export function passwordProblem(password: string, field = 'password'): UserError | null {
  if (hasLoneSurrogate(password) || NOTHING_VISIBLE.test(password)) return userError('INVALID_PASSWORD', { field });
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return userError('WEAK_PASSWORD', { field, params: { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH } });
  }
  return null;
}

/** A display name, trimmed, 1 to MAX_DISPLAY_NAME_LENGTH characters of safe text; null if refused. */
export function displayNameOf(raw: string): string | null {
  const name = raw.trim();
  return name.length >= 1 && name.length <= MAX_DISPLAY_NAME_LENGTH && isSafeText(name) ? name : null;
}
