/**
 * Recipient rules per channel (pure): validation, the normal form that is hashed and sent, and the
 * masked form that logs and the delivery log keep (never the full address or number).
 */
import crypto from 'node:crypto';
import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import isEmailAddress from 'validator/lib/isEmail';
import { notPlainText } from '@imagy/platform/graphql';
import type { Channel } from '../templates/render';

export type RecipientProblem = 'INVALID_EMAIL' | 'INVALID_PHONE' | 'INVALID_DEVICE_TOKEN' | 'INVALID_WEBHOOK_URL';

const MAX_EMAIL = 254;

/** The recipient in the form the channel's providers receive, or the problem with it. */
export function normaliseRecipient(channel: Channel, raw: string): { value: string } | { problem: RecipientProblem } {
  const text = raw.trim();
  switch (channel) {
    case 'EMAIL': {
      const email = text.toLowerCase();
      const ok = email.length <= MAX_EMAIL && !notPlainText(email) && isEmailAddress(email, { allow_display_name: false, allow_ip_domain: false, require_tld: true, allow_utf8_local_part: true });
      return ok ? { value: email } : { problem: 'INVALID_EMAIL' };
    }
    case 'SMS':
    case 'WHATSAPP': {
      // Strictly E.164 as given (a plus and digits), and a number libphonenumber knows to be valid.
      if (!/^\+[1-9]\d{7,14}$/.test(text)) return { problem: 'INVALID_PHONE' };
      const phone = parsePhoneNumberFromString(text);
      return phone?.isValid() ? { value: phone.number } : { problem: 'INVALID_PHONE' };
    }
    case 'PUSH':
      return /^[A-Za-z0-9:_\-.]{20,4096}$/.test(text) ? { value: text } : { problem: 'INVALID_DEVICE_TOKEN' };
    case 'WEBHOOK': {
      let url: URL;
      try { url = new URL(text); } catch { return { problem: 'INVALID_WEBHOOK_URL' }; }
      const ok = (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && text.length <= 2048;
      return ok ? { value: url.toString() } : { problem: 'INVALID_WEBHOOK_URL' };
    }
  }
}

/** j***@example.com, +5939****4567, https://hooks.example.com/…, abcd…wxyz. */
export function maskRecipient(channel: Channel, value: string): string {
  switch (channel) {
    case 'EMAIL': {
      const at = value.lastIndexOf('@');
      return `${value.slice(0, 1)}***${value.slice(at)}`;
    }
    case 'SMS':
    case 'WHATSAPP':
      return `${value.slice(0, 5)}${'*'.repeat(Math.max(0, value.length - 9))}${value.slice(-4)}`;
    case 'PUSH':
      return `${value.slice(0, 4)}…${value.slice(-4)}`;
    case 'WEBHOOK': {
      const url = new URL(value);
      return `${url.protocol}//${url.host}/…`;
    }
  }
}

/** Keyed hash of a recipient (per tenant): the log and preferences find a recipient without storing it. */
export function recipientHash(key: Buffer, tenantId: string, channel: Channel, value: string): string {
  const kind = channel === 'WHATSAPP' ? 'SMS' : channel; // one phone, one identity for SMS and WhatsApp
  return crypto.createHmac('sha256', key).update(`${tenantId}\n${kind}\n${value}`).digest('base64url');
}
