/** User input rules (pure functions, no I/O); login normalises e-mails with the same function. */
import { userError, type UserError } from '../common/user-error';

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

/** A phone as typed (spaces, parentheses, dashes allowed) -> digits with a plus; empty -> null. */
export function normalisePhone(raw: string | null | undefined): string | null {
  return raw == null || raw.trim() === '' ? null : raw.replace(/[\s()-]/g, '');
}

export const MAX_DISPLAY_NAME_LENGTH = 120;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 1024;

export function passwordProblem(password: string, field = 'password'): UserError | null {
  if (password.length < MIN_PASSWORD_LENGTH || password.length > MAX_PASSWORD_LENGTH) {
    return userError('WEAK_PASSWORD', { field, params: { min: MIN_PASSWORD_LENGTH, max: MAX_PASSWORD_LENGTH } });
  }
  return null;
}
