/**
 * Consumer of lending.contract.issued: renders the contract's text into a PDF, creates the request
 * with lending's `externalRef` and sends it, in the consumer's transaction (the inbox makes the
 * effect once). A redelivered or repeated event finds the request by externalRef and does nothing.
 * A contract sign cannot accept (no valid signer, bad text) is logged and dropped: retrying would
 * not change it. Any later failure rolls back and the event is redelivered (DLQ after repeated failures).
 */
import { Rejected } from '@imagy/platform/graphql';
import type { EventEnvelope, EventHandler } from '@imagy/platform/events';
import type { Logger } from '@imagy/platform/logger';
import { requestsStore } from '../requests/requests.store';
import type { RequestsService } from '../requests/requests.service';
import { cleanRequest, MAX_TITLE, type CleanRequest } from '../requests/validate';
import { renderTextPdf } from '../seal/pdf';

const isContractIssued = (e: EventEnvelope): e is EventEnvelope<'lending.contract.issued'> => e.subject === 'lending.contract.issued';

export function onLendingContractIssued(requests: RequestsService, log: Logger): EventHandler {
  return async (em, envelope) => {
    if (!isContractIssued(envelope) || !envelope.tenantId) return;
    const c = envelope.data;
    if (await requestsStore.byExternalRef(em, c.externalRef)) return;
    const meta = { tenantId: envelope.tenantId, actor: envelope.actor, requestId: envelope.requestId, ip: null, userAgent: null };
    const title = c.title.trim().slice(0, MAX_TITLE) || 'Contrato';
    let clean: CleanRequest;
    try {
      clean = await cleanRequest({
        title, signingOrder: c.signingOrder, strategy: 'EVIDENCE_PACKAGE', locale: c.locale === 'en' ? 'en' : 'es', externalRef: c.externalRef,
        documents: [{ name: `${title.slice(0, 110)}.pdf`, content: await renderTextPdf(title, c.body) }],
        signers: c.signers.map((s) => ({ name: s.name, email: s.email, phone: s.phone, role: 'SIGNER' as const, userId: s.userId })),
      });
    } catch (e) {
      if (!(e instanceof Rejected)) throw e;
      log.warn({ eventId: envelope.id, codes: e.userErrors.map((u) => u.code) }, 'lending.contract.issued refused: no signature request created');
      return;
    }
    // From here a failure (notifications unreachable...) rolls everything back and the event is redelivered.
    const request = await requests.createIn(em, clean, meta, null);
    await requests.sendIn(em, request, meta);
  };
}
