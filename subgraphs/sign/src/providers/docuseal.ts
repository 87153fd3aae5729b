/**
 * DocuSeal adapter (https://www.docuseal.com/docs/api): `POST <base>/submissions/pdf` with the
 * `X-Auth-Token` API key creates a submission from our PDFs (documents as base64, one submitter per
 * signer with `external_id`, order `preserved` for SEQUENTIAL or `random` for PARALLEL); DocuSeal
 * e-mails (or texts) the signers. Its webhooks (`form.completed`, `form.declined`) come back to
 * `POST /webhooks/docuseal`, authenticated by the secret header configured on the DocuSeal webhook
 * (`X-Imagy-Webhook-Secret`, compared in constant time); providers/callbacks.ts applies each once.
 * The base URL and key are installation settings (SIGN_DOCUSEAL_URL, SIGN_DOCUSEAL_API_KEY), not
 * tenant input.
 */
import crypto from 'node:crypto';
import { ProviderError, externalIdOf, type ProviderStart, type ProviderStarted, type SignatureProvider } from './provider';

export interface DocuSealSettings {
  /** API root, e.g. https://api.docuseal.com or https://docuseal.example.com/api (on-premises). */
  baseUrl: string;
  apiKey: string;
  /** Value of the X-Imagy-Webhook-Secret header DocuSeal is configured to send. */
  webhookSecret: string;
  timeoutMs?: number;
}

export const WEBHOOK_SECRET_HEADER = 'x-imagy-webhook-secret';

interface SubmitterAnswer { id?: unknown; external_id?: unknown }

export class DocuSealProvider implements SignatureProvider {
  readonly kind = 'DOCUSEAL' as const;

  constructor(private readonly settings: DocuSealSettings) {}

  async start(input: ProviderStart): Promise<ProviderStarted> {
    const body = {
      name: input.title,
      send_email: true,
      send_sms: input.signers.some((s) => !s.email),
      order: input.signingOrder === 'SEQUENTIAL' ? 'preserved' : 'random',
      documents: input.documents.map((d) => ({ name: d.name, file: d.content.toString('base64') })),
      submitters: input.signers.map((s, i) => ({
        role: `Signer ${i + 1}`, name: s.name, ...(s.email ? { email: s.email } : {}), ...(s.phone ? { phone: s.phone } : {}), external_id: externalIdOf(input.tenantId, s.id),
      })),
    };
    let res: Response;
    try {
      res = await fetch(`${this.settings.baseUrl.replace(/\/+$/, '')}/submissions/pdf`, {
        method: 'POST', headers: { 'x-auth-token': this.settings.apiKey, 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body), signal: AbortSignal.timeout(this.settings.timeoutMs ?? 20_000), redirect: 'error',
      });
    } catch (e) {
      throw new ProviderError(`DocuSeal unreachable: ${(e as Error).name}`);
    }
    if (!res.ok) throw new ProviderError(`DocuSeal answered HTTP ${res.status}`);
    const answer = (await res.json().catch(() => null)) as { id?: unknown; submitters?: SubmitterAnswer[] } | null;
    if (!answer || (typeof answer.id !== 'number' && typeof answer.id !== 'string') || !Array.isArray(answer.submitters)) throw new ProviderError('DocuSeal answered an unexpected body');
    const signers = input.signers.map((s) => {
      const match = answer.submitters!.find((x) => x.external_id === externalIdOf(input.tenantId, s.id));
      if (!match || (typeof match.id !== 'number' && typeof match.id !== 'string')) throw new ProviderError('DocuSeal answered without a submitter of ours');
      return { signerId: s.id, providerRef: String(match.id) };
    });
    return { providerRef: String(answer.id), signers };
  }

  /** Whether a webhook carries the configured secret (constant-time; a missing header never matches). */
  authentic(header: string | undefined): boolean {
    if (!header || !this.settings.webhookSecret) return false;
    const a = crypto.createHash('sha256').update(header).digest();
    const b = crypto.createHash('sha256').update(this.settings.webhookSecret).digest();
    return crypto.timingSafeEqual(a, b);
  }
}
