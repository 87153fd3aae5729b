import type { Catalogue } from '@imagy/platform/i18n';

/** Spanish texts of audit's userError codes (English stays in the services, next to each code). */
export const messagesEs: Catalogue = {
  INVALID: 'Los datos del evento no son válidos.',
  TOO_LONG: 'El texto es demasiado largo.',
  TOO_LARGE: 'El rango pedido tiene demasiados eventos; acótelo.',
  INVALID_IDEMPOTENCY_KEY: 'La llave de idempotencia no es válida.',
  IDEMPOTENCY_KEY_REUSED: 'La llave de idempotencia ya se usó con otros datos.',
};
