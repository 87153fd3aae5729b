/**
 * The configuration form of each pipeline step type. The API validates every configuration
 * (lending's src/pipeline/steps.ts, errors naming `steps.<i>.config.<path>`) but does not publish
 * the schemas, so the fields are described here from lending's README ("Origination pipeline"):
 * scalar fields get their own input, the landing's content blocks a visual builder with a preview
 * (./LandingBuilder.tsx), the form's fields a JSON editor.
 */
import type { PipelineStepType } from '../../__generated__/graphql';

export type ConfigField =
  | { key: string; kind: 'text' | 'multiline' | 'code'; required?: boolean; label: { en: string; es: string } }
  | { key: string; kind: 'decimal' | 'integer'; required?: boolean; label: { en: string; es: string } }
  | { key: string; kind: 'boolean'; label: { en: string; es: string } }
  | { key: string; kind: 'enum'; options: string[]; label: { en: string; es: string } }
  | { key: string; kind: 'codes' | 'json' | 'blocks'; required?: boolean; label: { en: string; es: string } };

const flowCode: ConfigField = { key: 'flowCode', kind: 'code', required: true, label: { en: 'Flow code', es: 'Código del flujo' } };

export const STEP_CONFIG: Record<PipelineStepType, ConfigField[]> = {
  LANDING: [
    { key: 'title', kind: 'text', required: true, label: { en: 'Title', es: 'Título' } },
    { key: 'blocks', kind: 'blocks', required: true, label: { en: 'Content blocks', es: 'Bloques de contenido' } },
    { key: 'legalFooter', kind: 'text', label: { en: 'Legal footer', es: 'Pie legal' } },
  ],
  USER_REGISTRATION: [],
  LEGAL_CONSENT: [{ key: 'documents', kind: 'codes', required: true, label: { en: 'Legal document codes (comma separated)', es: 'Códigos de documentos legales (separados por comas)' } }],
  CONTACT_VERIFICATION: [
    { key: 'channel', kind: 'enum', options: ['SMS', 'EMAIL', 'WHATSAPP'], label: { en: 'Channel', es: 'Canal' } },
    { key: 'requireUnique', kind: 'boolean', label: { en: 'Contact unique per borrower', es: 'Contacto único por solicitante' } },
  ],
  FORM: [{ key: 'fields', kind: 'json', required: true, label: { en: 'Fields (JSON: [{ key, type, label { es en }, required, ... }])', es: 'Campos (JSON: [{ key, type, label { es en }, required, ... }])' } }],
  COMPLIANCE_CHECK: [flowCode],
  MANUAL_REVIEW: [
    { key: 'autoApproveMaxAmount', kind: 'decimal', label: { en: 'Auto-approve up to amount', es: 'Aprobar automáticamente hasta el monto' } },
    { key: 'autoApproveMinScore', kind: 'integer', label: { en: 'Auto-approve from score', es: 'Aprobar automáticamente desde el puntaje' } },
    { key: 'makerCheckerAboveAmount', kind: 'decimal', label: { en: 'Second reviewer above amount', es: 'Segundo revisor por encima del monto' } },
  ],
  IDENTITY_VALIDATION: [flowCode],
  DOCUMENT_SIGNATURE: [
    { key: 'title', kind: 'text', required: true, label: { en: 'Contract title', es: 'Título del contrato' } },
    { key: 'template', kind: 'multiline', label: { en: 'Contract template ({{placeholders}})', es: 'Plantilla del contrato ({{marcadores}})' } },
    { key: 'signingOrder', kind: 'enum', options: ['SEQUENTIAL', 'PARALLEL'], label: { en: 'Signing order', es: 'Orden de firma' } },
  ],
  DISBURSEMENT: [{ key: 'channel', kind: 'enum', options: ['BANK_TRANSFER', 'WALLET', 'CASH'], label: { en: 'Channel', es: 'Canal' } }],
};

/** What a new step of the type starts with (the server fills the rest with its defaults). */
export const NEW_CONFIG: Record<PipelineStepType, Record<string, unknown>> = {
  LANDING: { title: '', blocks: [] }, USER_REGISTRATION: {}, LEGAL_CONSENT: { documents: ['TERMS'] }, CONTACT_VERIFICATION: { channel: 'SMS', requireUnique: true },
  FORM: { fields: [] }, COMPLIANCE_CHECK: { flowCode: '' }, MANUAL_REVIEW: {}, IDENTITY_VALIDATION: { flowCode: '' },
  DOCUMENT_SIGNATURE: { title: '' }, DISBURSEMENT: { channel: 'BANK_TRANSFER' },
};
