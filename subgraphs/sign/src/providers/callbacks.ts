/**
 * Callbacks of external signature providers. A callback is authenticated (the provider's secret),
 * names its signer by the `external_id` we gave (`<tenantId>:<signerId>`, so the tenant transaction
 * opens before any read), must match the signer's provider reference, and has its effect once: its
 * event key is recorded in `provider_events` in the same transaction (providers retry for days).
 */
import { inTenantTx, isUuid, type Orm } from '@imagy/platform/db';
import { currentDocuments, type Progress } from '../signing/progress';
import { OPEN_STATUSES, requestsStore } from '../requests/requests.store';
import type { ActionMeta } from '../trail/trail.service';
import type { DocuSealProvider } from './docuseal';
import { parseExternalId } from './provider';

export type CallbackOutcome = 'ACCEPTED' | 'BAD_SIGNATURE' | 'BAD_REQUEST' | 'NOT_FOUND';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const text = (v: unknown, max: number): string | null => (typeof v === 'string' && v.trim() ? v.trim().slice(0, max) : null);

export class ProviderCallbacks {
  constructor(private readonly orm: Orm, private readonly progress: Progress, private readonly docuseal: DocuSealProvider | null) {}

  /** DocuSeal webhook: form.completed signs, form.declined rejects; other event types are acknowledged and ignored. */
  async fromDocuSeal(secretHeader: string | undefined, body: unknown): Promise<CallbackOutcome> {
    if (!this.docuseal || !this.docuseal.authentic(secretHeader)) return 'BAD_SIGNATURE';
    if (!isObject(body) || typeof body.event_type !== 'string' || !isObject(body.data)) return 'BAD_REQUEST';
    const event = body.event_type;
    if (event !== 'form.completed' && event !== 'form.declined') return 'ACCEPTED';
    const data = body.data;
    const ref = parseExternalId(data.external_id);
    const submitterId = typeof data.id === 'number' || typeof data.id === 'string' ? String(data.id) : null;
    if (!ref || !isUuid(ref.tenantId) || !isUuid(ref.signerId) || !submitterId) return 'BAD_REQUEST';
    const meta: ActionMeta = { tenantId: ref.tenantId, actor: { kind: 'system', userId: null }, requestId: null, ip: text(data.ip, 64), userAgent: text(data.ua, 400) };
    return inTenantTx(this.orm, { tenantId: ref.tenantId }, async (em): Promise<CallbackOutcome> => {
      const signer = await requestsStore.signerById(em, ref.signerId);
      if (!signer || signer.providerRef !== submitterId) return 'NOT_FOUND';
      const request = (await requestsStore.byId(em, signer.requestId, true))!;
      if (request.provider !== 'DOCUSEAL') return 'NOT_FOUND';
      if (!(await requestsStore.firstDelivery(em, ref.tenantId, 'DOCUSEAL', `${event}:${submitterId}`))) return 'ACCEPTED';
      // A late callback of a request that ended (cancelled, expired) or a signer who already answered changes nothing.
      if (!OPEN_STATUSES.includes(request.status) || signer.status === 'SIGNED' || signer.status === 'REJECTED') return 'ACCEPTED';
      const providerEvent = { provider: 'DOCUSEAL', event, submitterId, submissionId: request.providerRef };
      if (event === 'form.declined') {
        await this.progress.recordRejected(em, request, signer, meta, text(data.decline_reason, 500) ?? 'declined at DocuSeal', providerEvent);
      } else {
        const docs = currentDocuments(await requestsStore.documentsOf(em, [request.id]));
        await this.progress.recordSigned(em, request, signer, meta, { geolocation: null, signedSha256: docs.map((d) => d.sha256).join(','), data: { ...providerEvent, completedAt: text(data.completed_at, 40) } });
      }
      return 'ACCEPTED';
    });
  }
}
