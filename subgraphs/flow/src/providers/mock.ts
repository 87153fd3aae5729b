/**
 * Deterministic mock providers, one adapter (`mock`) for every capability: the documented local
 * default (no external account) and what tests use. Personas by document number (`documentNumber`
 * in the input; for PHONE_LOOKUP the `phone`):
 *
 *   ends in 9001  thin file   (credit bureau: no score, no accounts)
 *   ends in 9002  sanctioned  (AML: match, score 0.97)
 *   ends in 9003  fraud       (bureau fraud alert, document tampered, liveness failed, risky phone)
 *   anything else clean
 *
 * The cost reference is `mock:<capability>:<sha-256 prefix of the input>`, stable per input.
 */
import crypto from 'node:crypto';
import { CAPABILITIES, ProviderError, type Capability, type ProviderAdapter, type ProviderCallInput, type ProviderResult } from './types';

export type Persona = 'clean' | 'thin_file' | 'sanctioned' | 'fraud';

export function personaOf(documentNumber: unknown): Persona {
  const s = typeof documentNumber === 'string' ? documentNumber : '';
  if (s.endsWith('9001')) return 'thin_file';
  if (s.endsWith('9002')) return 'sanctioned';
  if (s.endsWith('9003')) return 'fraud';
  return 'clean';
}

function outputOf(capability: Capability, persona: Persona): Record<string, unknown> {
  switch (capability) {
    case 'CREDIT_BUREAU':
      if (persona === 'thin_file') return { score: null, thinFile: true, openAccounts: 0, delinquencies: 0, fraudAlert: false };
      if (persona === 'fraud') return { score: 310, thinFile: false, openAccounts: 7, delinquencies: 4, fraudAlert: true };
      return { score: persona === 'sanctioned' ? 655 : 720, thinFile: false, openAccounts: 3, delinquencies: 0, fraudAlert: false };
    case 'AML_SCREENING':
      return persona === 'sanctioned'
        ? { matched: true, score: 0.97, hits: [{ id: 'mock-sanction-1', caption: 'Listed person', score: 0.97, match: true, datasets: ['mock_sanctions'] }] }
        : { matched: false, score: 0.05, hits: [] };
    case 'IDENTITY_DOCUMENT':
      return persona === 'fraud' ? { valid: false, fraudSignals: ['TAMPERED_MRZ'] } : { valid: true, fraudSignals: [] };
    case 'LIVENESS':
      return persona === 'fraud' ? { live: false, score: 0.12 } : { live: true, score: 0.98 };
    case 'PHONE_LOOKUP':
      return { valid: true, lineType: 'mobile', risk: persona === 'fraud' ? 'HIGH' : 'LOW' };
  }
}

export class MockProvider implements ProviderAdapter {
  readonly name = 'mock';
  readonly capabilities = CAPABILITIES;
  readonly takesSecret = false;

  async call({ capability, input, signal }: ProviderCallInput): Promise<ProviderResult> {
    if (signal.aborted) throw new ProviderError('TIMEOUT', true);
    const key = capability === 'PHONE_LOOKUP' ? input.phone : input.documentNumber;
    if (key === undefined || key === null || key === '') throw new ProviderError('INPUT_MISSING', false, `${capability} needs ${capability === 'PHONE_LOOKUP' ? 'phone' : 'documentNumber'}`);
    const digest = crypto.createHash('sha256').update(`${capability}:${JSON.stringify(input)}`).digest('hex').slice(0, 16);
    return { output: outputOf(capability, personaOf(String(key))), costReference: `mock:${capability.toLowerCase()}:${digest}` };
  }
}
