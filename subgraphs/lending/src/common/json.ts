/** Domain values shown through the JSON scalar (step configurations, inputs, outputs, landing blocks). */
import type { JsonValue } from '@imagy/platform/graphql';

/** The value as JSON: domain objects here are JSON-shaped by construction; undefined becomes null. */
export const toJson = (v: unknown): JsonValue => JSON.parse(JSON.stringify(v ?? null)) as JsonValue;

/** Control characters other than tab and line breaks, and text-direction overrides: refused in multi-line text (bodies, templates, notes). */
const UNSAFE_MULTILINE = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f\u202a-\u202e\u2066-\u2069]/;
export const unsafeMultilineText = (s: string) => UNSAFE_MULTILINE.test(s);
