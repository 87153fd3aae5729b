/** Domain types of credit applications (no I/O): what the store returns and the services pass around. */
import type { Connection } from '@imagy/platform/server';
import type { StepCondition, StepConfigs, StepType } from '../pipeline/steps';

export type ApplicationStatus = 'IN_PROGRESS' | 'APPROVED' | 'DISBURSED' | 'REJECTED' | 'CANCELLED' | 'WITHDRAWN' | 'EXPIRED';
export type StepState = 'PENDING' | 'WAITING_INPUT' | 'WAITING_EVENT' | 'WAITING_REVIEW' | 'COMPLETED' | 'SKIPPED' | 'REJECTED' | 'FAILED';

export const OPEN_STATUSES: readonly ApplicationStatus[] = ['IN_PROGRESS', 'APPROVED'];
export const DONE_STEP_STATES: readonly StepState[] = ['COMPLETED', 'SKIPPED'];
export const FINAL_STEP_STATES: readonly StepState[] = ['COMPLETED', 'SKIPPED', 'REJECTED', 'FAILED'];

export interface Application {
  id: string; tenantId: string; productId: string; versionId: string; borrowerId: string; subjectRef: string;
  amount: string; currency: string; minorUnits: number; term: number; locale: string; status: ApplicationStatus; currentStep: string | null;
  decisionReason: string | null; approvedAt: string | null; decidedAt: string | null; creditId: string | null; expiresAt: string; createdAt: string;
  attempts: number; requestHash: string;
  /** The product's code (for events and notifications' templates). */
  productCode: string;
}

export interface AppStep {
  applicationId: string; key: string; position: number; type: StepType; config: StepConfigs[StepType]; runWhen: StepCondition | null;
  state: StepState; input: unknown; output: Record<string, unknown>; startedAt: string | null; completedAt: string | null;
}

export interface Consent {
  applicationId: string; stepKey: string; documentCode: string; documentVersion: number; sha256: string;
  ip: string | null; userAgent: string | null; deviceFingerprint: string | null; acceptedAt: string;
}

/** A document of a borrower's application (User.documents): what lending recorded, nothing fetched from sign. */
export interface BorrowerDocument {
  kind: 'LEGAL_CONSENT' | 'CONTRACT'; applicationId: string; stepKey: string; title: string; version: number | null; sha256: string; issuedAt: string;
  contractStatus: 'AWAITING_SIGNATURE' | 'SIGNED' | 'REJECTED' | 'VOID' | null; signatureRequestId: string | null; signedDocumentSha256: string | null; decidedAt: string | null;
}

export interface ApplicationFilter {
  status?: ApplicationStatus | null; productId?: string | null; borrowerId?: string | null; currentStepType?: StepType | null;
  currentStepState?: StepState | null; createdFrom?: string | null; createdTo?: string | null;
}

export type ApplicationConnection = Connection<Application>;

/** One change pushed to applicationProgress subscribers. */
export interface Progress { applicationId: string; stepKey: string | null; stepState: StepState | null; occurredAt: string }
