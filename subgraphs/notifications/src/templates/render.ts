/**
 * Pure template rules: placeholders `{{name}}`, declared variables, the locale fallback chain and
 * rendering (HTML-escaped for e-mail). No SQL, no graphql.
 */
import crypto from 'node:crypto';
import { notPlainText } from '@imagy/platform/graphql';

export type Channel = 'EMAIL' | 'SMS' | 'WHATSAPP' | 'PUSH' | 'WEBHOOK';
export const CHANNELS: readonly Channel[] = ['EMAIL', 'SMS', 'WHATSAPP', 'PUSH', 'WEBHOOK'];

export interface TemplateBody { locale: string; subject: string | null; body: string }

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}/g;
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
export const TEMPLATE_KEY = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
/** A language, optionally a region (es, es-EC, en-US, es-419). */
export const LOCALE = /^[a-z]{2,3}(-([A-Z]{2}|[0-9]{3}))?$/;
export const DEFAULT_LOCALE = 'en';
export const MAX_VARIABLE_VALUE = 2000;

/** Names used by `{{...}}` in a text, in order of first use. */
export function placeholdersOf(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.matchAll(PLACEHOLDER)) seen.add(m[1]!);
  return [...seen];
}

/** `es-EC` -> [`es-EC`, `es`, `en`] (the tenant default last), without repeats. */
export function localeChain(requested: string | null | undefined, fallback = DEFAULT_LOCALE): string[] {
  const chain: string[] = [];
  if (requested) {
    chain.push(requested);
    const language = requested.split('-')[0]!;
    if (language !== requested) chain.push(language);
  }
  chain.push(fallback);
  return [...new Set(chain)];
}

/** The body the chain picks, or null when the template has none of its locales. */
export function pickBody(bodies: readonly TemplateBody[], requested: string | null | undefined): TemplateBody | null {
  for (const locale of localeChain(requested)) {
    const found = bodies.find((b) => b.locale === locale);
    if (found) return found;
  }
  return null;
}

const HTML: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => HTML[c]!);

export type VariableValue = string | number | boolean;


export type RenderProblem =
  | { kind: 'MISSING_VARIABLE'; name: string }
  | { kind: 'UNDECLARED_VARIABLE'; name: string }
  | { kind: 'BAD_VARIABLE_VALUE'; name: string };

/**
 * Checks the caller's variables against the declared ones: every declared variable must be given
 * (a missing one is an error, never an empty string), nothing undeclared may be given, and values
 * are strings, numbers or booleans.
 */
export function checkVariables(declared: readonly string[], given: unknown): { values: Record<string, string> } | { problem: RenderProblem } {
  const input = given && typeof given === 'object' && !Array.isArray(given) ? (given as Record<string, unknown>) : null;
  if (!input) return { problem: { kind: 'BAD_VARIABLE_VALUE', name: '' } };
  for (const name of Object.keys(input)) if (!declared.includes(name)) return { problem: { kind: 'UNDECLARED_VARIABLE', name } };
  const values: Record<string, string> = {};
  for (const name of declared) {
    const v = input[name];
    // An empty or blank value is missing too: a message never goes out with a hole in it.
    if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return { problem: { kind: 'MISSING_VARIABLE', name } };
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return { problem: { kind: 'BAD_VARIABLE_VALUE', name } };
    // Values are plain text: no controls, bidi overrides or terminal escapes (they would spoof the message).
    if (typeof v === 'string' && (v.length > MAX_VARIABLE_VALUE || notPlainText(v))) return { problem: { kind: 'BAD_VARIABLE_VALUE', name } };
    values[name] = String(v);
  }
  return { values };
}

export interface Rendered { locale: string; subject: string | null; body: string; contentHash: string }

/** Fills the placeholders of a body already picked; e-mail bodies get HTML-escaped values. */
export function render(channel: Channel, body: TemplateBody, values: Record<string, string>): Rendered {
  const fill = (text: string, escape: boolean) => text.replace(PLACEHOLDER, (_m, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`variable ${name} was not checked`); // checkVariables ran before: a bug otherwise
    return escape ? escapeHtml(v) : v;
  });
  const subject = channel === 'EMAIL' && body.subject != null ? fill(body.subject, false) : null;
  const text = fill(body.body, channel === 'EMAIL');
  return { locale: body.locale, subject, body: text, contentHash: contentHash(subject, text) };
}

export function contentHash(subject: string | null, body: string): string {
  return crypto.createHash('sha256').update(JSON.stringify([subject, body])).digest('hex');
}
