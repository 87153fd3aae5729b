/**
 * Every userError code identity emits, with its English and Spanish text. Services pass the code
 * and, where a text has `{params}`, their values (`userError('SLUG_TAKEN', { field: 'slug', params:
 * { slug } })`); the `UserError.message` resolver renders the request's language. A message states
 * the rule the input broke, so one code keeps one meaning in both languages.
 */
import { defineMessages, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  // Sign-in and sessions (auth/).
  INVALID_CREDENTIALS: { en: 'The email or the password is not correct', es: 'Correo o contraseña incorrectos.' },
  ACCOUNT_LOCKED: {
    en: 'Too many failed sign-in attempts; the account is locked for a while',
    es: 'La cuenta está bloqueada temporalmente por intentos fallidos. Intente más tarde.',
  },
  TOO_MANY_ATTEMPTS: {
    en: 'Too many failed sign-in attempts from this network address; try again later',
    es: 'Demasiados intentos fallidos de inicio de sesión desde esta dirección de red. Intente más tarde.',
  },
  TENANT_SUSPENDED: { en: 'This organisation is suspended', es: 'La institución está suspendida.' },
  INVALID_REFRESH_TOKEN: { en: 'The session has ended; sign in again', es: 'La sesión no es válida o expiró. Inicie sesión de nuevo.' },

  // Users (users/).
  INVALID_EMAIL: { en: 'The email address is not valid', es: 'El correo no es válido.' },
  EMAIL_TAKEN: { en: 'A user with this email already exists', es: 'Ya existe un usuario con ese correo.' },
  INVALID_PHONE: { en: 'The phone must be in E.164 format, e.g. +525512345678', es: 'El teléfono debe tener formato E.164, p. ej. +525512345678.' },
  INVALID_DISPLAY_NAME: {
    en: 'The display name must have 1 to {max} characters, without control characters, text-direction controls or invalid Unicode',
    es: 'El nombre debe tener de 1 a {max} caracteres, sin caracteres de control, de dirección del texto ni Unicode inválido.',
  },
  INVALID_ROLE: { en: 'A user needs one or more of these roles: {allowed}', es: 'Un usuario necesita uno o más de estos roles: {allowed}.' },
  WEAK_PASSWORD: { en: 'The password must have {min} to {max} characters', es: 'La contraseña debe tener de {min} a {max} caracteres.' },
  INVALID_PASSWORD: {
    en: 'The password must contain visible characters (not only spaces or control characters) and be valid Unicode',
    es: 'La contraseña debe contener caracteres visibles (no solo espacios o caracteres de control) y ser Unicode válido.',
  },
  CANNOT_DISABLE_SELF: { en: 'You cannot disable your own account', es: 'No puede deshabilitar su propio usuario.' },
  CANNOT_DEMOTE_SELF: { en: 'You cannot remove your own tenant_admin role', es: 'No puede quitarse su propio rol de administrador (tenant_admin).' },

  // Tenants (tenants/).
  INVALID_SLUG: {
    en: 'The slug must be 2-40 lower-case letters, digits or dashes, not starting or ending with a dash',
    es: 'El identificador debe tener de 2 a 40 letras minúsculas, dígitos o guiones, sin empezar ni terminar con guion.',
  },
  SLUG_TAKEN: { en: 'The slug {slug} is already in use', es: 'El identificador {slug} ya está en uso.' },
  INVALID_NAME: {
    en: 'The name must have 1 to {max} characters, without control characters, text-direction controls or invalid Unicode',
    es: 'El nombre debe tener de 1 a {max} caracteres, sin caracteres de control, de dirección del texto ni Unicode inválido.',
  },
  INVALID_HOSTNAME: { en: 'Hostnames must be valid DNS names, at most {max} per tenant', es: 'Los nombres de host deben ser nombres DNS válidos, como máximo {max} por institución.' },
  HOSTNAME_TAKEN: { en: 'The hostname {hostname} already belongs to a tenant', es: 'El nombre de host {hostname} ya pertenece a una institución.' },
  INVALID_LOCALE: { en: 'The locale must be es or en', es: 'El idioma debe ser es o en.' },
  INVALID_CURRENCY: { en: 'The currency must be an active ISO 4217 code, e.g. MXN', es: 'La moneda debe ser un código ISO 4217 vigente, p. ej. MXN.' },
  INVALID_TIMEZONE: { en: 'The time zone must be an IANA name, e.g. America/Mexico_City', es: 'La zona horaria debe ser un nombre IANA, p. ej. America/Mexico_City.' },
  INVALID_STATUS: { en: 'The status must be ACTIVE or SUSPENDED', es: 'El estado debe ser ACTIVE o SUSPENDED.' },
  CONFLICT: { en: 'The change conflicts with another one made meanwhile; try again', es: 'El cambio entra en conflicto con otro hecho mientras tanto; intente de nuevo.' },

  // Portal branding (branding/).
  INVALID_COLOR: { en: 'The colour must be a hex colour like #1f4e79', es: 'El color debe ser hexadecimal, p. ej. #1f4e79.' },
  BRANDING_CONTRAST_LOW: {
    en: 'White text on this colour has a contrast of {ratio}:1; at least {min}:1 is needed (WCAG AA). Choose a darker colour',
    es: 'El texto blanco sobre este color tiene un contraste de {ratio}:1; se necesita al menos {min}:1 (WCAG AA). Elija un color más oscuro.',
  },
  INVALID_LOGO: {
    en: 'The logo must be an https:// address or a data:image/(png|jpeg|svg+xml|webp);base64 image',
    es: 'El logotipo debe ser una dirección https:// o una imagen data:image/(png|jpeg|svg+xml|webp);base64.',
  },
  LOGO_TOO_LARGE: { en: 'The logo image must be at most {max} KiB', es: 'La imagen del logotipo debe pesar como máximo {max} KiB.' },
  LOGO_UNSAFE: {
    en: 'The SVG logo contains script (script elements, on... event handlers, javascript: links or embedded HTML)',
    es: 'El logotipo SVG contiene código (elementos script, manejadores on..., enlaces javascript: o HTML incrustado).',
  },
  FOOTER_TOO_LONG: { en: 'The legal footer must have at most {max} characters', es: 'El pie legal debe tener como máximo {max} caracteres.' },
  INVALID_FOOTER: {
    en: 'The legal footer may contain line breaks but no other control characters, text-direction controls or invalid Unicode',
    es: 'El pie legal puede tener saltos de línea, pero no otros caracteres de control, de dirección del texto ni Unicode inválido.',
  },

  // API keys (api-keys/).
  INVALID_SCOPE: { en: 'A key needs one or more of these scopes: {allowed}', es: 'Una llave necesita uno o más de estos alcances: {allowed}.' },
  INVALID_PLAN: { en: 'The plan must be FREE, STANDARD or ENTERPRISE', es: 'El plan debe ser FREE, STANDARD o ENTERPRISE.' },
  INVALID_EXPIRY: { en: 'The expiry must be a future instant', es: 'La fecha de expiración debe ser futura.' },
  INVALID_OVERLAP: { en: 'The overlap must be 0 to {max} minutes', es: 'El periodo de convivencia debe ser de 0 a {max} minutos.' },
  ALREADY_ROTATED: { en: 'This key was already rotated: rotate its successor', es: 'La llave ya fue rotada: rote la que la reemplazó.' },
  KEY_REVOKED: { en: 'This key was revoked and cannot be rotated', es: 'La llave fue revocada y no se puede rotar.' },
  KEY_EXPIRED: { en: 'This key expired and cannot be rotated', es: 'La llave expiró y no se puede rotar.' },
});

export type IdentityErrorCode = CodeOf<typeof messages>;
