/**
 * Every code flow answers in userErrors, with its English and Spanish text (the only place
 * either is written); `{params}` are filled from the error's params in both languages.
 */
import { defineMessages, userErrors, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  NAME_REQUIRED: { en: 'The name is required', es: 'El nombre es obligatorio.' },
  NAME_TOO_LONG: { en: 'The name must have at most {max} characters', es: 'El nombre debe tener como máximo {max} caracteres.' },
  NAME_NOT_PLAIN_TEXT: { en: 'The name must be plain text (no control or invisible direction characters)', es: 'El nombre debe ser texto simple (sin caracteres de control ni de dirección invisibles).' },
  FLOW_CODE_INVALID: { en: 'The code must be 2 to 40 upper-case letters, digits or _, starting with a letter', es: 'El código debe tener de 2 a 40 letras mayúsculas, dígitos o _, y empezar con una letra.' },
  FLOW_CODE_TAKEN: { en: 'A flow with code {code} already exists', es: 'Ya existe un flujo con el código {code}.' },
  FLOW_NOT_FOUND: { en: 'The flow does not exist', es: 'El flujo no existe.' },
  ORGANIZATION_INVALID: { en: 'Organisation ids must be UUIDs (at most {max})', es: 'Los identificadores de organización deben ser UUID (como máximo {max}).' },
  VERSION_NOT_FOUND: { en: 'The flow version does not exist', es: 'La versión del flujo no existe.' },
  VERSION_NOT_DRAFT: { en: 'Only a draft can be changed; this version is {status}', es: 'Solo se puede modificar un borrador; esta versión está en estado {status}.' },
  VERSION_NOT_PUBLISHED: { en: 'Only the published version can be archived; this version is {status}', es: 'Solo se puede archivar la versión publicada; esta versión está en estado {status}.' },
  DRAFT_EXISTS: { en: 'The flow already has a draft (version {number})', es: 'El flujo ya tiene un borrador (versión {number}).' },
  NO_STEPS: { en: 'A version needs at least one step to be published', es: 'Una versión necesita al menos un paso para publicarse.' },
  TTL_OUT_OF_RANGE: { en: 'The session life must be between {min} and {max} seconds', es: 'La duración de la sesión debe estar entre {min} y {max} segundos.' },
  STEP_NOT_FOUND: { en: 'The step does not exist', es: 'El paso no existe.' },
  STEP_KEY_INVALID: { en: 'The step key must be 1 to 40 lower-case letters, digits or _, starting with a letter', es: 'La clave del paso debe tener de 1 a 40 letras minúsculas, dígitos o _, y empezar con una letra.' },
  STEP_KEY_TAKEN: { en: 'The version already has a step {key}', es: 'La versión ya tiene un paso {key}.' },
  TOO_MANY_STEPS: { en: 'A version has at most {max} steps', es: 'Una versión tiene como máximo {max} pasos.' },
  CAPABILITY_REQUIRED: { en: 'A PROVIDER step needs a capability', es: 'Un paso PROVIDER necesita una capacidad.' },
  CAPABILITY_NOT_ALLOWED: { en: 'Only PROVIDER steps have a capability', es: 'Solo los pasos PROVIDER tienen una capacidad.' },
  INPUT_MAPPING_INVALID: { en: 'The input mapping must be an object of at most {max} fields whose values are dot paths', es: 'El mapeo de entrada debe ser un objeto de como máximo {max} campos cuyos valores sean rutas con puntos.' },
  INPUT_SCHEMA_INVALID: { en: 'The input schema is not a valid JSON Schema: {reason}', es: 'El esquema de entrada no es un JSON Schema válido: {reason}' },
  TIMEOUT_OUT_OF_RANGE: { en: 'The timeout must be between {min} and {max} ms', es: 'El tiempo límite debe estar entre {min} y {max} ms.' },
  POSITION_OUT_OF_RANGE: { en: 'The position must be between 0 and {max}', es: 'La posición debe estar entre 0 y {max}.' },
  STEP_ORDER_INVALID: { en: "The new order must list every step of the version exactly once", es: 'El nuevo orden debe listar cada paso de la versión exactamente una vez.' },
  STEP_IN_USE: { en: 'Rule {rule} refers to this step; change or remove it first', es: 'La regla {rule} usa este paso; modifíquela o elimínela primero.' },
  RULE_NOT_FOUND: { en: 'The rule does not exist', es: 'La regla no existe.' },
  RULE_INVALID: { en: 'The condition is invalid at {path}: {reason}', es: 'La condición no es válida en {path}: {reason}' },
  RULE_STEP_UNKNOWN: { en: 'The version has no step {key}', es: 'La versión no tiene el paso {key}.' },
  RULE_STEP_REQUIRED: { en: 'A SKIP_STEP rule names the step it skips', es: 'Una regla SKIP_STEP indica el paso que omite.' },
  OUTCOME_REQUIRED: { en: 'An OUTCOME rule needs an outcome', es: 'Una regla OUTCOME necesita un resultado.' },
  OUTCOME_NOT_ALLOWED: { en: 'Only OUTCOME rules have an outcome', es: 'Solo las reglas OUTCOME tienen un resultado.' },
  TOO_MANY_RULES: { en: 'A version has at most {max} rules', es: 'Una versión tiene como máximo {max} reglas.' },
  PROVIDER_UNKNOWN: { en: 'No provider {provider} serves {capability}', es: 'Ningún proveedor {provider} atiende {capability}.' },
  PROVIDER_LIST_INVALID: { en: 'List 1 to {max} providers, each once', es: 'Indique de 1 a {max} proveedores, cada uno una vez.' },
  PROVIDER_URL_INVALID: { en: 'The provider URL must be https (or http to an allowed host) with a public address: {reason}', es: 'La URL del proveedor debe ser https (o http a un host permitido) con una dirección pública: {reason}' },
  DATASET_INVALID: { en: 'The dataset must be 1 to 64 letters, digits, _ or -', es: 'El conjunto de datos debe tener de 1 a 64 letras, dígitos, _ o -.' },
  FLOW_NOT_PUBLISHED: { en: 'The flow {code} has no published version', es: 'El flujo {code} no tiene una versión publicada.' },
  SUBJECT_REF_INVALID: { en: 'The subject reference must be 1 to 200 characters of plain text', es: 'La referencia del sujeto debe tener de 1 a 200 caracteres de texto simple.' },
  CONTEXT_INVALID: { en: 'The context must be a JSON object', es: 'El contexto debe ser un objeto JSON.' },
  IDEMPOTENCY_KEY_INVALID: { en: 'The idempotency key must be 1 to 100 letters, digits, _, - , : or .', es: 'La clave de idempotencia debe tener de 1 a 100 letras, dígitos, _, -, : o .' },
  IDEMPOTENCY_KEY_REUSED: { en: 'This idempotency key was used for a different request', es: 'Esta clave de idempotencia se usó para una solicitud distinta.' },
  REQUEST_NOT_FOUND: { en: 'The execution does not exist', es: 'La ejecución no existe.' },
  REQUEST_FINISHED: { en: 'The execution has already ended ({status})', es: 'La ejecución ya terminó ({status}).' },
  ACCESS_TOKEN_INVALID: { en: 'The access token is not valid', es: 'El token de acceso no es válido.' },
  ACCESS_TOKEN_EXPIRED: { en: 'The access token has expired', es: 'El token de acceso expiró.' },
  STEP_NOT_CURRENT: { en: 'Step {key} is not the one waiting for data', es: 'El paso {key} no es el que espera datos.' },
  STEP_DATA_INVALID: { en: 'The data does not match the step: {reason}', es: 'Los datos no corresponden al paso: {reason}' },
  CONTENT_TYPE_NOT_ALLOWED: { en: 'Documents must be one of {allowed}', es: 'Los documentos deben ser de tipo {allowed}.' },
  FILE_SIZE_OUT_OF_RANGE: { en: 'A document must have between 1 and {max} bytes', es: 'Un documento debe tener entre 1 y {max} bytes.' },
  TOO_MANY_FILES: { en: 'A step takes at most {max} documents', es: 'Un paso admite como máximo {max} documentos.' },
  STEP_NOT_DOCUMENT: { en: 'Step {key} does not take documents', es: 'El paso {key} no admite documentos.' },
  FILE_NOT_UPLOADED: { en: 'Document {index} was not uploaded to this step', es: 'El documento {index} no se cargó en este paso.' },
  FLOW_NOT_ASSIGNED: { en: 'The flow {code} is not assigned to this organisation', es: 'El flujo {code} no está asignado a esta organización.' },
  SHA256_INVALID: { en: 'The SHA-256 must be 64 hexadecimal characters', es: 'El SHA-256 debe tener 64 caracteres hexadecimales.' },
  SHA256_REQUIRED: { en: "This installation's document store verifies uploads: send the document's SHA-256", es: 'El almacén de documentos de esta instalación verifica las cargas: envíe el SHA-256 del documento.' },
  EXTERNAL_REF_INVALID: { en: 'The external reference must be 1 to 200 characters of plain text', es: 'La referencia externa debe tener de 1 a 200 caracteres de texto simple.' },
  PROVIDER_TAKES_NO_SECRET: { en: 'Provider {provider} takes no tenant secret', es: 'El proveedor {provider} no admite un secreto del inquilino.' },
  SECRET_INVALID: { en: 'The API key must be 1 to 500 printable characters without spaces', es: 'La clave de API debe tener de 1 a 500 caracteres imprimibles sin espacios.' },
  SECRET_EMPTY: { en: 'Give at least an API key or a base URL', es: 'Indique al menos una clave de API o una URL base.' },
  SECRET_NOT_FOUND: { en: 'The provider has no secret of this tenant', es: 'El proveedor no tiene un secreto de este inquilino.' },
});

export type FlowErrorCode = CodeOf<typeof messages>;

const factory = userErrors(messages);
export const userError: typeof factory.userError = factory.userError;
/** Throws Rejected (the transaction rolls back); declared with its type so the compiler knows it never returns. */
export const reject: typeof factory.reject = factory.reject;
