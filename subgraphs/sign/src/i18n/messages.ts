/**
 * Every code sign answers in userErrors, with its English and Spanish text (the only place either
 * is written); `{params}` are filled from the error's params in both languages.
 */
import { defineMessages, userErrors, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  TITLE_INVALID: { en: 'The title must be 1 to {max} characters of plain text', es: 'El título debe tener de 1 a {max} caracteres de texto simple.' },
  EXTERNAL_REF_INVALID: { en: 'The external reference must be 1 to 200 characters without spaces', es: 'La referencia externa debe tener de 1 a 200 caracteres sin espacios.' },
  EXTERNAL_REF_TAKEN: { en: 'A request with this external reference exists', es: 'Ya existe una solicitud con esta referencia externa.' },
  LOCALE_INVALID: { en: 'The locale must be es or en', es: 'El idioma debe ser es o en.' },
  EXPIRY_OUT_OF_RANGE: { en: 'The expiry must be {min} to {max} days', es: 'La expiración debe ser de {min} a {max} días.' },
  DOCUMENTS_COUNT: { en: 'A request needs 1 to {max} documents', es: 'Una solicitud necesita de 1 a {max} documentos.' },
  DOCUMENT_NAME_INVALID: { en: 'The document name must be 1 to 120 characters of plain text', es: 'El nombre del documento debe tener de 1 a 120 caracteres de texto simple.' },
  DOCUMENT_NOT_BASE64: { en: 'The document content must be base64', es: 'El contenido del documento debe estar en base64.' },
  DOCUMENT_TOO_LARGE: { en: 'The document must be at most {max} bytes', es: 'El documento debe tener como máximo {max} bytes.' },
  DOCUMENT_NOT_PDF: { en: 'The document must be a readable PDF file', es: 'El documento debe ser un archivo PDF legible.' },
  SIGNERS_COUNT: { en: 'A request needs 1 to {max} signers', es: 'Una solicitud necesita de 1 a {max} firmantes.' },
  SIGNER_NAME_INVALID: { en: 'The signer name must be 1 to 120 characters of plain text', es: 'El nombre del firmante debe tener de 1 a 120 caracteres de texto simple.' },
  SIGNER_CONTACT_REQUIRED: { en: 'A signer needs an e-mail or a phone', es: 'Un firmante necesita un correo o un teléfono.' },
  SIGNER_EMAIL_INVALID: { en: 'The e-mail is not valid', es: 'El correo no es válido.' },
  SIGNER_PHONE_INVALID: { en: 'The phone must be E.164, e.g. +593991234567', es: 'El teléfono debe estar en formato E.164, p. ej. +593991234567.' },
  SIGNER_USER_INVALID: { en: 'The user must be a user id', es: 'El usuario debe ser un id de usuario.' },
  NO_SIGNING_SIGNER: { en: 'At least one signer must have the role SIGNER or APPROVER', es: 'Al menos un firmante debe tener el rol SIGNER o APPROVER.' },
  STRATEGY_NEEDS_SEQUENTIAL: { en: 'SEQUENTIAL_COPIES needs the SEQUENTIAL signing order', es: 'SEQUENTIAL_COPIES necesita el orden de firma SEQUENTIAL.' },
  REQUEST_NOT_FOUND: { en: 'No such signature request', es: 'No existe esa solicitud de firma.' },
  SIGNER_NOT_FOUND: { en: 'No such signer', es: 'No existe ese firmante.' },
  REQUEST_NOT_DRAFT: { en: 'Only a DRAFT request can be sent (it is {status})', es: 'Solo se puede enviar una solicitud en BORRADOR (está en {status}).' },
  REQUEST_NOT_OPEN: { en: 'The request is {status}: nothing more can be signed', es: 'La solicitud está en {status}: ya no se puede firmar.' },
  REASON_INVALID: { en: 'The reason must be 1 to 500 characters of plain text', es: 'El motivo debe tener de 1 a 500 caracteres de texto simple.' },
  TOKEN_INVALID: { en: 'The signing link is not valid', es: 'El enlace de firma no es válido.' },
  TENANT_SUSPENDED: { en: 'This organisation is suspended: its signing links do not work', es: 'Esta organización está suspendida: sus enlaces de firma no funcionan.' },
  TOKEN_EXPIRED: { en: 'The signing link has expired', es: 'El enlace de firma expiró.' },
  SIGNER_NOT_CURRENT: { en: 'It is not your turn to sign yet', es: 'Todavía no es su turno de firmar.' },
  SIGNER_CANNOT_SIGN: { en: 'Viewers do not sign', es: 'Los observadores no firman.' },
  ALREADY_SIGNED: { en: 'You have already answered this request', es: 'Usted ya respondió esta solicitud.' },
  ACCEPTANCE_REQUIRED: { en: 'You must accept the documents to sign', es: 'Debe aceptar los documentos para firmar.' },
  CODE_NOT_REQUESTED: { en: 'Ask for a signing code first', es: 'Primero pida un código de firma.' },
  CODE_INVALID: { en: 'The code is wrong, expired or already used', es: 'El código es incorrecto, expiró o ya fue usado.' },
  CODE_LOCKED: { en: 'Too many wrong codes: ask for a new one', es: 'Demasiados códigos incorrectos: pida uno nuevo.' },
  CODE_COOLDOWN: { en: 'A code was sent moments ago: wait before asking again', es: 'Se envió un código hace poco: espere antes de pedir otro.' },
  CODE_RATE_LIMITED: { en: 'Too many codes were requested; try again later', es: 'Se pidieron demasiados códigos; intente más tarde.' },
  CODE_FORMAT: { en: 'The code must be 6 digits', es: 'El código debe tener 6 dígitos.' },
  NOTIFICATIONS_UNAVAILABLE: { en: 'Messages cannot be sent right now; try again shortly', es: 'No se pueden enviar mensajes ahora; intente en un momento.' },
  NOTIFICATION_REFUSED: { en: 'The message to {name} could not be sent ({code})', es: 'No se pudo enviar el mensaje a {name} ({code}).' },
  GEOLOCATION_INVALID: { en: 'The geolocation must be "lat,lon" in degrees', es: 'La geolocalización debe ser "lat,lon" en grados.' },
  VERIFY_INPUT_REQUIRED: { en: 'Give exactly one of contentBase64 or sha256', es: 'Indique exactamente uno de contentBase64 o sha256.' },
  SHA256_INVALID: { en: 'The SHA-256 must be 64 hexadecimal characters', es: 'El SHA-256 debe tener 64 caracteres hexadecimales.' },
  SIGNED_AT_PROVIDER: { en: 'This request is signed at the external provider, not with this link', es: 'Esta solicitud se firma en el proveedor externo, no con este enlace.' },
  PROVIDER_NOT_CONFIGURED: { en: 'The signature provider {provider} is not configured', es: 'El proveedor de firma {provider} no está configurado.' },
  PROVIDER_STRATEGY: { en: 'An external provider signs one evidence package (EVIDENCE_PACKAGE)', es: 'Un proveedor externo firma un solo paquete de evidencia (EVIDENCE_PACKAGE).' },
  PROVIDER_UNAVAILABLE: { en: 'The signature provider did not accept the request; try again shortly', es: 'El proveedor de firma no aceptó la solicitud; intente en un momento.' },
});

export type SignErrorCode = CodeOf<typeof messages>;

export const { userError, reject } = userErrors(messages);
