/**
 * `User.documents` (seed 3.31): the documents of a borrower's applications, from lending's own
 * records only: each legal consent with its evidence (document code, version, SHA-256 of the text,
 * time) and each contract lending issued for signature (SHA-256 of the text it sent, and sign's
 * request id, sealed-PDF hash and time as sign.signature.completed / .rejected reported them). Pure:
 * the caller loads applications, steps and consents (DataLoaders, one statement each).
 */
import type { StepConfigs } from '../pipeline/steps';
import { OPEN_STATUSES, type Application, type AppStep, type BorrowerDocument, type Consent } from './applications.types';

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

function contractOf(app: Application, step: AppStep): BorrowerDocument | null {
  const sha256 = text(step.output.documentSha256);
  // A contract exists once the step issued it (the hash of the text sent to sign is recorded then).
  if (step.type !== 'DOCUMENT_SIGNATURE' || !sha256 || !step.startedAt) return null;
  const signed = step.state === 'COMPLETED';
  const rejected = step.state === 'REJECTED' && text(step.output.rejectedBy) !== null;
  const status = signed ? 'SIGNED' : rejected ? 'REJECTED' : OPEN_STATUSES.includes(app.status) ? 'AWAITING_SIGNATURE' : 'VOID';
  return {
    kind: 'CONTRACT', applicationId: app.id, stepKey: step.key, title: (step.config as StepConfigs['DOCUMENT_SIGNATURE']).title, version: null, sha256,
    issuedAt: step.startedAt, contractStatus: status, signatureRequestId: text(step.output.signatureRequestId), signedDocumentSha256: signed ? text(step.output.signedDocumentSha256) : null,
    decidedAt: signed ? (text(step.output.completedAt) ?? step.completedAt) : rejected ? step.completedAt : null,
  };
}

/** Newest application first (the order `applications` come in); per application its consents, then its contract. */
export function borrowerDocuments(applications: Application[], steps: AppStep[][], consents: Consent[][]): BorrowerDocument[] {
  return applications.flatMap((app, i) => [
    ...(consents[i] ?? []).map((c): BorrowerDocument => ({
      kind: 'LEGAL_CONSENT', applicationId: app.id, stepKey: c.stepKey, title: c.documentCode, version: c.documentVersion, sha256: c.sha256, issuedAt: c.acceptedAt,
      contractStatus: null, signatureRequestId: null, signedDocumentSha256: null, decidedAt: null,
    })),
    ...(steps[i] ?? []).map((s) => contractOf(app, s)).filter((d): d is BorrowerDocument => d !== null),
  ]);
}
