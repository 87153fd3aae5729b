/**
 * Every userError code lending answers, with its English and Spanish text. `{param}` placeholders
 * are filled from the userError's params (the same set in both languages); the `field` of the
 * userError names the input at fault, so the texts say what is wrong, not where.
 * `userError()` (common/user-errors.ts) accepts only these codes.
 */
import { defineMessages, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  // ---- tenants and products ----
  TENANT_REQUIRED: { en: 'Name the institution (tenantSlug or host).', es: 'Indique la institución (tenantSlug o host).' },
  INVALID_TENANT: { en: 'The institution is not valid.', es: 'La institución no es válida.' },
  PRODUCT_NOT_FOUND: { en: 'The institution has no such product (or it is not published).', es: 'La institución no tiene ese producto (o no está publicado).' },
  PRODUCT_ARCHIVED: { en: 'The product is archived.', es: 'El producto está archivado.' },
  INVALID_CODE: { en: 'The code must have 1 to 40 letters, digits, dashes or underscores.', es: 'El código debe tener de 1 a 40 letras, dígitos, guiones o guiones bajos.' },
  CODE_TAKEN: { en: 'A product with code {code} already exists.', es: 'Ya existe un producto con el código {code}.' },
  INVALID_NAME: { en: 'The name must have 1 to 200 characters.', es: 'El nombre debe tener de 1 a 200 caracteres.' },
  INVALID_CURRENCY: { en: 'The currency is not a supported ISO 4217 code.', es: 'La moneda no es un código ISO 4217 admitido.' },
  INVALID_TERMS: {
    en: 'The product terms break a rule at the field indicated (see ProductTermsInput), or they produce no valid schedule.',
    es: 'Las condiciones del producto incumplen una regla en el campo indicado (vea ProductTermsInput) o no producen un calendario válido.',
  },
  INVALID_TERM: { en: 'The number of installments must be a whole number from {min} to {max}.', es: 'El número de cuotas debe ser un entero de {min} a {max}.' },
  INVALID_RATE: { en: 'The rate must be a percentage from 0 to {max}.', es: 'La tasa debe ser un porcentaje de 0 a {max}.' },
  INVALID_FEE: {
    en: 'The fee is not valid at the field indicated (code, kind, charge, value or tax rate), or the fees leave no valid schedule.',
    es: 'La comisión no es válida en el campo indicado (código, tipo, cargo, valor o tasa de impuesto) o las comisiones no dejan un calendario válido.',
  },
  DRAFT_EXISTS: { en: 'The product already has a draft version: edit or discard it.', es: 'El producto ya tiene un borrador: modifíquelo o descártelo.' },
  VERSION_NOT_FOUND: { en: 'The product has no such version.', es: 'El producto no tiene esa versión.' },
  VERSION_NOT_DRAFT: { en: 'Only a draft version can be changed, discarded or published.', es: 'Solo una versión en borrador puede modificarse, descartarse o publicarse.' },
  VERSION_NOT_PUBLISHED: { en: 'The version is not published (or the product has no published version).', es: 'La versión no está publicada (o el producto no tiene versión publicada).' },
  VERSION_PENDING_APPROVAL: { en: 'The version awaits approval of its publication; reject the request first.', es: 'La versión espera la aprobación de su publicación; rechace primero la solicitud.' },
  ALREADY_PENDING: { en: 'An identical change request is already pending.', es: 'Ya hay una solicitud de cambio idéntica pendiente.' },
  NOT_PENDING: { en: 'The change request is no longer pending.', es: 'La solicitud de cambio ya no está pendiente.' },
  SELF_APPROVAL: { en: 'The maker of a change request cannot decide on it; another checker must.', es: 'Quien solicita un cambio no puede decidirlo; debe hacerlo otro aprobador.' },
  INVALID_REASON: { en: 'Give a reason of 1 to 1000 characters.', es: 'Indique un motivo de 1 a 1000 caracteres.' },

  // ---- loans: amounts, terms, dates ----
  INVALID_AMOUNT: {
    en: "The amount is not valid: a decimal number greater than zero, with at most the currency's decimals, within the allowed range.",
    es: 'El monto no es válido: debe ser un número decimal mayor que cero, con a lo sumo los decimales de la moneda y dentro del rango permitido.',
  },
  AMOUNT_OUT_OF_RANGE: { en: 'The amount must be between {min} and {max} {currency}.', es: 'El monto debe estar entre {min} y {max} {currency}.' },
  TERM_OUT_OF_RANGE: { en: 'The term must be between {min} and {max} installments.', es: 'El plazo debe estar entre {min} y {max} cuotas.' },
  INVALID_DATE: { en: 'The date must be a real date YYYY-MM-DD from {min} to {max}.', es: 'La fecha debe ser una fecha real AAAA-MM-DD del {min} al {max}.' },
  NO_CONVERGENCE: { en: 'The total annual cost (CAT) cannot be computed for these terms.', es: 'No puede calcularse el costo anual total (CAT) para estas condiciones.' },

  // ---- credits and payments ----
  INVALID_BORROWER: { en: 'The borrower must be a user id.', es: 'El acreditado debe ser un identificador de usuario.' },
  BORROWER_NOT_FOUND: { en: 'The borrower is not a user of this institution.', es: 'El acreditado no es un usuario de esta institución.' },
  INVALID_REFERENCE: { en: 'The reference may have at most 200 characters.', es: 'La referencia admite a lo sumo 200 caracteres.' },
  INVALID_CHANNEL: { en: 'The channel must have 1 to 40 letters, digits or underscores (e.g. SPEI, CASH, CARD).', es: 'El canal debe tener de 1 a 40 letras, dígitos o guiones bajos (p. ej. SPEI, CASH, CARD).' },
  INVALID_TEXT: { en: 'The text must not contain control, line-break, text-direction or invisible characters.', es: 'El texto no debe contener caracteres de control, saltos de línea, de dirección del texto ni invisibles.' },
  INVALID_IDEMPOTENCY_KEY: { en: 'The idempotency key must have 1 to 200 characters.', es: 'La llave de idempotencia debe tener de 1 a 200 caracteres.' },
  IDEMPOTENCY_KEY_REUSED: { en: 'This idempotency key was already used for a different request.', es: 'Esta llave de idempotencia ya se usó para otra solicitud distinta.' },
  CREDIT_PAID_OFF: { en: 'The credit is already paid off.', es: 'El crédito ya está liquidado.' },
  AMOUNT_EXCEEDS_PAYOFF: { en: 'The amount exceeds the payoff amount of {payoff} {currency} at {date}.', es: 'El monto excede el saldo para liquidar, {payoff} {currency} al {date}.' },
  PAYOFF_AMOUNT_REQUIRED: { en: 'Repaying all the principal on {date} pays the credit off: the payoff amount is {payoff} {currency} (it includes the interest accrued since {from}).', es: 'Pagar todo el capital el {date} liquida el crédito: el saldo para liquidar es {payoff} {currency} (incluye el interés devengado desde el {from}).' },
  PAID_AT_BEFORE_LAST_PAYMENT: { en: 'The payment date must be on or after the last payment ({date}).', es: 'La fecha de pago debe ser igual o posterior al último pago ({date}).' },
  ALREADY_REVERSED: { en: 'The payment was already reversed.', es: 'El pago ya fue revertido.' },
  NOT_LATEST_PAYMENT: { en: 'Only the latest payment of a credit can be reversed; reverse the later ones first.', es: 'Solo puede revertirse el último pago del crédito; revierta antes los posteriores.' },

  // ---- delinquency ----
  CATCH_UP_TOO_LONG: { en: 'The last run was {lastRun}; catch up at most {maxDays} days per call.', es: 'La última ejecución fue el {lastRun}; recupere a lo sumo {maxDays} días por llamada.' },

  // ---- origination pipeline (src/pipeline, src/applications) ----
  INVALID_PIPELINE: { en: 'A pipeline has 1 to {max} steps with distinct keys (lower-case letters, digits, underscores).', es: 'Un flujo tiene de 1 a {max} pasos con claves distintas (minúsculas, dígitos, guiones bajos).' },
  INVALID_STEP_CONFIG: { en: 'The step configuration is not valid at the field indicated (see the step type\'s schema in pipelineStepTypes).', es: 'La configuración del paso no es válida en el campo indicado (vea el esquema del tipo de paso en pipelineStepTypes).' },
  // ---- portfolio figures ----
  PORTFOLIO_RANGE_INVALID: { en: 'The end of the range must not be before its start.', es: 'El final del rango no puede ser anterior a su inicio.' },
  PORTFOLIO_RANGE_TOO_LONG: { en: 'The range may cover at most {max} months.', es: 'El rango puede abarcar como máximo {max} meses.' },
  PIPELINE_DISBURSEMENT_LAST: { en: 'Step {key}: a pipeline disburses once, in its last enabled step.', es: 'Paso {key}: un flujo desembolsa una sola vez, en su último paso activo.' },
  PIPELINE_IDENTITY_AFTER_REVIEW: { en: 'Step {key}: identity validation runs only after an enabled manual review.', es: 'Paso {key}: la validación de identidad solo se ejecuta después de una revisión manual activa.' },
  PIPELINE_LANDING_FIRST: { en: 'Step {key}: the landing must be the first step.', es: 'Paso {key}: la página de aterrizaje debe ser el primer paso.' },
  LEGAL_DOCUMENT_INVALID: { en: 'A legal document needs a code, a locale (es or en), a title of 1 to 200 characters and a body of 1 to 50000.', es: 'Un documento legal requiere código, idioma (es o en), título de 1 a 200 caracteres y texto de 1 a 50000.' },
  LEGAL_DOCUMENT_MISSING: { en: 'The legal document {code} has no published version.', es: 'El documento legal {code} no tiene una versión publicada.' },
  CONSENT_MISMATCH: { en: 'Accept the current version {version} of {code}.', es: 'Acepte la versión vigente {version} de {code}.' },
  APPLICATION_NOT_ACTIVE: { en: 'The application is {status} and can no longer change.', es: 'La solicitud está en estado {status} y ya no puede cambiar.' },
  STEP_NOT_WAITING: { en: 'Step {step} is not waiting for this (the application is at {current}).', es: 'El paso {step} no espera esto (la solicitud está en {current}).' },
  INVALID_STEP_INPUT: { en: 'The step input is not valid at the field indicated.', es: 'Los datos del paso no son válidos en el campo indicado.' },
  FIELD_REQUIRED: { en: 'This field is required.', es: 'Este campo es obligatorio.' },
  FIELD_TYPE: { en: 'This field must be of type {type}.', es: 'Este campo debe ser de tipo {type}.' },
  FIELD_RANGE: { en: 'This field must be from {min} to {max}.', es: 'Este campo debe estar entre {min} y {max}.' },
  FIELD_LENGTH: { en: 'This field must have from {min} to {max} characters.', es: 'Este campo debe tener de {min} a {max} caracteres.' },
  FIELD_PATTERN: { en: 'This field does not have the expected format.', es: 'Este campo no tiene el formato esperado.' },
  FIELD_OPTION: { en: 'This field must be one of: {options}.', es: 'Este campo debe ser uno de: {options}.' },
  FIELD_UNKNOWN: { en: 'The form has no such field (or it is hidden).', es: 'El formulario no tiene ese campo (o está oculto).' },
  INVALID_DESTINATION: { en: 'The phone number or e-mail address is not valid for this channel.', es: 'El teléfono o correo no es válido para este canal.' },
  CONTACT_TAKEN: { en: 'Another applicant of this institution already verified this contact.', es: 'Otro solicitante de esta institución ya verificó este contacto.' },
  FLOW_NOT_STARTED: { en: 'The verification has not started yet; try again in a moment.', es: 'La verificación aún no ha comenzado; intente de nuevo en unos instantes.' },
  FLOW_UNAVAILABLE: { en: 'The verification service is not available now; try again in a moment.', es: 'El servicio de verificación no está disponible en este momento; intente de nuevo en unos instantes.' },
  OTP_NOT_SENT: { en: 'The code could not be sent now; try again in a moment.', es: 'No se pudo enviar el código en este momento; intente de nuevo en unos instantes.' },
  OTP_INVALID: { en: 'The code is wrong, expired or already used.', es: 'El código es incorrecto, venció o ya se usó.' },
  OTP_NOT_REQUESTED: { en: 'Ask for a code first.', es: 'Solicite primero un código.' },
  NOT_IN_REVIEW: { en: 'The application is not waiting for a review.', es: 'La solicitud no está en espera de revisión.' },
  SECOND_REVIEWER_REQUIRED: { en: 'Above {limit} {currency} a second, different reviewer must approve.', es: 'Por encima de {limit} {currency} debe aprobar un segundo revisor distinto.' },
  APPLICANT_EMAIL_TAKEN: { en: 'An account with this e-mail already exists: sign in to apply.', es: 'Ya existe una cuenta con este correo: inicie sesión para solicitar.' },
  APPLICANT_INVALID: { en: 'The field is not valid (e-mail, E.164 phone, name of 1 to 120 characters, password of 10 to 1024 characters).', es: 'El campo no es válido (correo, teléfono E.164, nombre de 1 a 120 caracteres, contraseña de 10 a 1024 caracteres).' },
  REGISTRATION_UNAVAILABLE: { en: 'Registration is not available right now; try again in a moment.', es: 'El registro no está disponible en este momento; intente de nuevo en unos instantes.' },
  INVALID_DECISION: { en: 'The decision must be APPROVE, REJECT or REQUEST_INFO.', es: 'La decisión debe ser APPROVE, REJECT o REQUEST_INFO.' },
});

export type LendingErrorCode = CodeOf<typeof messages>;
