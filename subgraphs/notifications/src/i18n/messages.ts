/**
 * Every code notifications answers in userErrors, with its English and Spanish text (the only place
 * either is written); `{params}` are filled from the error's params in both languages.
 */
import { defineMessages, userErrors, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  TEMPLATE_KEY_INVALID: { en: 'The key must be dotted lower-case words (e.g. lending.application.approved), at most 120 characters', es: 'La clave debe ser palabras en minúsculas separadas por puntos (p. ej. lending.application.approved), de hasta 120 caracteres.' },
  TEMPLATE_EXISTS: { en: 'A template with this key already exists for this channel', es: 'Ya existe una plantilla con esta clave para este canal.' },
  TEMPLATE_NOT_FOUND: { en: 'No template {key} exists for this channel', es: 'No existe la plantilla {key} para este canal.' },
  CHANNEL_REQUIRED: { en: 'The template exists for several channels ({channels}): choose one', es: 'La plantilla existe para varios canales ({channels}): elija uno.' },
  TEMPLATE_ARCHIVED: { en: 'The template is archived', es: 'La plantilla está archivada.' },
  VERSION_NOT_FOUND: { en: 'The template has no version {version}', es: 'La plantilla no tiene la versión {version}.' },
  VARIABLE_NAME_INVALID: { en: 'Variable {name} must be a letter or underscore followed by letters, digits or underscores', es: 'La variable {name} debe empezar con una letra o guion bajo seguido de letras, dígitos o guiones bajos.' },
  PLACEHOLDER_UNDECLARED: { en: 'The text uses {name}, which is not a declared variable', es: 'El texto usa {name}, que no es una variable declarada.' },
  BODIES_REQUIRED: { en: 'Give at least one body, and at most {max}', es: 'Indique al menos un texto y como máximo {max}.' },
  LOCALE_INVALID: { en: 'Locale {locale} is not a language tag such as es, es-EC or en', es: 'El idioma {locale} no es una etiqueta como es, es-EC o en.' },
  LOCALE_DUPLICATE: { en: 'Locale {locale} appears twice', es: 'El idioma {locale} aparece dos veces.' },
  SUBJECT_REQUIRED: { en: 'An e-mail template needs a subject in every locale', es: 'Una plantilla de correo necesita un asunto en cada idioma.' },
  TEXT_TOO_LONG: { en: 'The text must have at most {max} characters', es: 'El texto debe tener como máximo {max} caracteres.' },
  TEXT_NOT_PLAIN: { en: 'The text contains control or invisible direction characters', es: 'El texto contiene caracteres de control o de dirección invisibles.' },
  TEMPLATE_LOCALE_MISSING: { en: 'The template has no text for {locale} or its fallbacks', es: 'La plantilla no tiene texto para {locale} ni para sus alternativas.' },
  MISSING_VARIABLE: { en: 'Variable {name} is required by the template', es: 'La plantilla requiere la variable {name}.' },
  UNDECLARED_VARIABLE: { en: 'Variable {name} is not declared by the template', es: 'La variable {name} no está declarada en la plantilla.' },
  BAD_VARIABLE_VALUE: { en: 'Variables must be an object of texts, numbers or booleans ({name})', es: 'Las variables deben ser un objeto de textos, números o booleanos ({name}).' },
  INVALID_EMAIL: { en: 'The recipient is not a valid e-mail address', es: 'El destinatario no es un correo electrónico válido.' },
  INVALID_PHONE: { en: 'The recipient is not a valid phone number in E.164 form (e.g. +593991234567)', es: 'El destinatario no es un teléfono válido en formato E.164 (p. ej. +593991234567).' },
  INVALID_DEVICE_TOKEN: { en: 'The recipient is not a device token', es: 'El destinatario no es un token de dispositivo.' },
  INVALID_WEBHOOK_URL: { en: 'The recipient is not an http(s) URL without credentials', es: 'El destinatario no es una URL http(s) sin credenciales.' },
  RECIPIENT_USER_INVALID: { en: 'The recipient user must be a user id', es: 'El usuario destinatario debe ser un id de usuario.' },
  IDEMPOTENCY_KEY_INVALID: { en: 'The idempotency key must have 1 to 200 visible characters', es: 'La clave de idempotencia debe tener de 1 a 200 caracteres visibles.' },
  IDEMPOTENCY_KEY_REUSED: { en: 'This idempotency key was used for a different message', es: 'Esta clave de idempotencia se usó para otro mensaje.' },
  PROVIDER_UNKNOWN: { en: 'Provider {provider} does not serve channel {channel}', es: 'El proveedor {provider} no atiende el canal {channel}.' },
  PROVIDER_SETTINGS_INVALID: { en: 'The provider settings are invalid: {reason}', es: 'La configuración del proveedor no es válida: {reason}.' },
  PRIORITY_INVALID: { en: 'The priority must be between 1 and 100', es: 'La prioridad debe estar entre 1 y 100.' },
  CONFIG_NOT_FOUND: { en: 'No such channel configuration', es: 'No existe esa configuración de canal.' },
  RULE_SUBJECT_INVALID: { en: 'The subject must be an event subject such as lending.credit.disbursed', es: 'El asunto debe ser un evento como lending.credit.disbursed.' },
  RULE_NOT_FOUND: { en: 'No such rule', es: 'No existe esa regla.' },
  RECIPIENT_PATH_INVALID: { en: 'The recipient path must be dotted field names of the event data (e.g. email)', es: 'La ruta del destinatario debe ser nombres de campo separados por puntos de los datos del evento (p. ej. email).' },
  OTP_PURPOSE_INVALID: { en: 'The purpose must be dotted lower-case words', es: 'El propósito debe ser palabras en minúsculas separadas por puntos.' },
  OTP_CHANNEL_UNSUPPORTED: { en: 'One-time codes go by EMAIL, SMS or WHATSAPP', es: 'Los códigos de un solo uso se envían por EMAIL, SMS o WHATSAPP.' },
  OTP_COOLDOWN: { en: 'A code was sent moments ago: wait {seconds} seconds before asking again', es: 'Se envió un código hace poco: espere {seconds} segundos antes de pedir otro.' },
  OTP_RATE_LIMITED: { en: 'Too many codes were requested; try again later', es: 'Se pidieron demasiados códigos; intente más tarde.' },
  OTP_INVALID: { en: 'The code is wrong, expired or already used', es: 'El código es incorrecto, expiró o ya fue usado.' },
  OTP_LOCKED: { en: 'Too many wrong codes: ask for a new one', es: 'Demasiados códigos incorrectos: pida uno nuevo.' },
  OTP_CODE_FORMAT: { en: 'The code must be {digits} digits', es: 'El código debe tener {digits} dígitos.' },
});

export type NotificationsErrorCode = CodeOf<typeof messages>;

export const { userError, reject } = userErrors(messages);
