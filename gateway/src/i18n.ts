/**
 * The gateway's own errors in the caller's language (Accept-Language over HTTP,
 * `connectionParams['accept-language']` over graphql-ws), with the platform's mechanism
 * (`@imagy/platform/i18n`: `localeFrom`, `translate`, a `Catalogue` per language). English is the
 * source text; `extensions.code` and every detail extension (limit, max, actual, retryAfter,
 * maxBytes) are the same in both languages, so integrators branch on codes, never on text.
 *
 * A Spanish template names the same details as the English message (`{max}` is replaced by the
 * value), so a Spanish reader learns the allowed range too. A message without a template keeps its
 * English text (never an empty one).
 */
import { GraphQLError } from 'graphql';
import { ERROR_CODES_ES, localeFrom, translate, type Catalogue, type Locale } from '@imagy/platform/i18n';
import { limitError, type LimitViolation } from './limits';

export type { Locale };
export { localeFrom };

/**
 * Keys: `CODE` for a message that only depends on its code, `CODE.detail` for one per limit, and
 * `CODE: <English message>` for codes with several fixed messages (authentication).
 */
export const GATEWAY_MESSAGES_ES: Catalogue = {
  ...ERROR_CODES_ES,
  'OPERATION_LIMIT_EXCEEDED.maxTokens': 'La operación tiene demasiados tokens: más de {max}; el límite (maxTokens) es {max}.',
  'OPERATION_LIMIT_EXCEEDED.maxDepth': 'La operación es demasiado profunda: {actual}; el límite (maxDepth) es {max}.',
  'OPERATION_LIMIT_EXCEEDED.maxAliases': 'La operación tiene demasiados alias: {actual}; el límite (maxAliases) es {max}.',
  'OPERATION_LIMIT_EXCEEDED.maxRootFields': 'La operación selecciona demasiados campos raíz: {actual}; el límite (maxRootFields) es {max}.',
  'OPERATION_LIMIT_EXCEEDED.maxCost': 'La operación es demasiado costosa: {actual}; el límite (maxCost) es {max}.',
  'OPERATION_LIMIT_EXCEEDED.maxBatchSize': 'El lote tiene demasiadas operaciones: {actual}; el límite (maxBatchSize) es {max}.',
  // A limit added later (limits.ts) still gets its details in Spanish.
  OPERATION_LIMIT_EXCEEDED: 'La operación supera el límite {limit}: {actual}; el máximo es {max}.',
  PERSISTED_QUERY_NOT_FOUND: 'Consulta persistida no encontrada (PersistedQueryNotFound): reenvíe la operación con su texto.',
  PERSISTED_QUERY_HASH_MISMATCH: 'El sha256Hash enviado no corresponde al texto de la operación.',
  PERSISTED_QUERY_NOT_IN_LIST: "La consulta persistida '{id}' no está en la lista de operaciones permitidas.",
  'PERSISTED_QUERY_NOT_IN_LIST: Persisted query not found in the persisted query list': 'La consulta persistida no está en la lista de operaciones permitidas.',
  PERSISTED_QUERY_ID_REQUIRED: 'Este acceso no admite operaciones libres: envíe el id de la operación en la extensión persistedQuery.',
  CANNOT_SEND_PQ_ID_AND_BODY: 'No se permite enviar en la misma solicitud el id de una consulta persistida y su texto.',
  'BAD_REQUEST.persistedQuery': 'Extensión persistedQuery no admitida: se espera { version: 1, sha256Hash: <hex> }.',
  RATE_LIMITED: 'Se superó el límite de solicitudes ({limit} por minuto); reintente en {retryAfter} s.',
  PAYLOAD_TOO_LARGE: 'El cuerpo de la solicitud supera el máximo de {maxBytes} bytes.',
  SUBGRAPH_UNAVAILABLE: 'Un servicio interno no está disponible; reintente más tarde.',
  'SERVICE_UNAVAILABLE: The API key could not be checked, try again later': 'No se pudo verificar la clave de API; reintente más tarde.',
  'SERVICE_UNAVAILABLE: Tenant status could not be checked, try again later': 'No se pudo verificar el estado del inquilino; reintente más tarde.',
  'SERVICE_UNAVAILABLE: Gateway is starting': 'El gateway se está iniciando; reintente en unos segundos.',
  'UNAUTHENTICATED: Invalid API key': 'Clave de API inválida.',
  'UNAUTHENTICATED: API keys are not accepted by this gateway': 'Este gateway no acepta claves de API.',
  'UNAUTHENTICATED: Tenant unknown': 'Inquilino desconocido.',
  'UNAUTHENTICATED: Token carries no tenant: tenant unknown': 'El token no indica inquilino: inquilino desconocido.',
  'UNAUTHENTICATED: Tenant suspended': 'Inquilino suspendido.',
  'UNAUTHENTICATED.REVOKED': 'Acceso revocado: la institución está suspendida, el usuario deshabilitado o la sesión terminó.',
  'BAD_USER_INPUT.ONE_LOGIN_PER_REQUEST': 'Una solicitud puede llevar como máximo un inicio de sesión (login), también en un lote.',
  'UNAUTHENTICATED.TENANT_INACTIVE': 'El inquilino no está activo ({status}).',
  'UNAUTHENTICATED: Token expired': 'El token expiró.',
  'UNAUTHENTICATED: Malformed token': 'Token mal formado.',
  'UNAUTHENTICATED: Token issuer is not trusted': 'El emisor del token no es de confianza.',
  'UNAUTHENTICATED: Token audience is not accepted': 'La audiencia del token no es aceptada.',
  'UNAUTHENTICATED: Token signature or claims are invalid': 'La firma o los datos del token no son válidos.',
  'UNAUTHENTICATED: Only access tokens are accepted': 'Solo se aceptan tokens de acceso.',
  'UNAUTHENTICATED: Token lacks sub or exp': 'Al token le falta sub o exp.',
  'UNAUTHENTICATED: Authorization header must be "Bearer <token>"': 'La cabecera Authorization debe ser "Bearer <token>".',
  'FORBIDDEN: Unauthorized field or type': 'Campo o tipo no autorizado.',
  'UNAUTHENTICATED: The subgraph refused the credentials (token expired or invalid)': 'El servicio rechazó las credenciales (token expirado o inválido).',
  'UNAUTHENTICATED: Authentication required': 'Se requiere autenticación.',
  'FORBIDDEN: You are not allowed to do this': 'No tiene permiso para realizar esta acción.',
  'BAD_USER_INPUT: Unable to identify operation': 'No se pudo identificar la operación (operationName).',
  'BAD_USER_INPUT: The subscription could not be planned': 'No se pudo planificar la suscripción.',
};

/** `{name}` placeholders filled from `values`; an unknown name is left as written. */
function fill(template: string, values: Record<string, unknown>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (values[name] === undefined ? whole : String(values[name])));
}

/**
 * The message of a gateway error in `locale`: the most specific template (`CODE: message`, then
 * `CODE.detail`, then `CODE`), filled with the error's extensions; the English text otherwise.
 */
export function localizedMessage(locale: Locale, code: string, english: string, details: Record<string, unknown> = {}, detail?: string): string {
  if (locale === 'en') return english;
  for (const key of [`${code}: ${english}`, ...(detail ? [`${code}.${detail}`] : []), code]) {
    // Looked up directly, not with platform's translate(): these templates have {placeholders} that
    // fill() gives values from the error's details (translate refuses a template it cannot fill).
    const template = Object.prototype.hasOwnProperty.call(GATEWAY_MESSAGES_ES, key) ? GATEWAY_MESSAGES_ES[key] : undefined;
    if (template) return fill(template, details);
  }
  return english;
}

/** A GraphQLError with the same code and extensions and its message in `locale`. */
export function localizeError(error: GraphQLError, locale: Locale, detail?: string): GraphQLError {
  if (locale === 'en') return error;
  const code = typeof error.extensions.code === 'string' ? error.extensions.code : null;
  if (!code) return error;
  const message = localizedMessage(locale, code, error.message, error.extensions, detail);
  if (message === error.message) return error;
  return new GraphQLError(message, { path: error.path, nodes: error.nodes, extensions: error.extensions, originalError: error.originalError ?? undefined });
}

/** limits.ts's error, in the caller's language (same code and details). */
export function localizedLimitError(v: LimitViolation, locale: Locale): GraphQLError {
  return localizeError(limitError(v), locale, v.limit);
}

/** The FORBIDDEN errors of fields removed by the authorization directives (authz.ts). */
export function forbiddenErrors(errors: readonly { message: string; path: (string | number)[] }[], locale: Locale): GraphQLError[] {
  return errors.map((e) => new GraphQLError(localizedMessage(locale, 'FORBIDDEN', e.message), {
    path: e.path,
    extensions: { code: 'FORBIDDEN', http: { status: 200 } },
  }));
}
