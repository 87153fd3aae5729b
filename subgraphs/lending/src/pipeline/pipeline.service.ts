/**
 * Pipeline configuration per product version, and the tenant's versioned legal documents.
 *
 * A version's pipeline is edited only while the version is a DRAFT (same maker roles and the same
 * "not while its publication is pending" rule as its terms); publication through the existing
 * maker-checker freezes it (a trigger refuses any later write). A version no maker configured uses
 * the pipeline of its product's latest earlier version, else the default pipeline (steps.ts).
 */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import { payload } from '@imagy/platform/graphql';
import { BadInputError, NotFoundError, requireRole, requireUser, type Caller } from '@imagy/platform/server';
import type { PublishLegalDocumentInput, ResolversParentTypes, UpdateDraftPipelineInput } from '../__generated__/graphql';
import { unsafeMultilineText } from '../common/json';
import { fmt } from '../common/money';
import { reject, unsafeTextError, userError } from '../common/user-errors';
import { PRODUCT_MAKERS, PRODUCT_READERS } from '../common/roles';
import { minorUnits } from '../loan-math';
import type { CreditProduct, ProductsService, ProductVersion } from '../products/products.service';
import type { TenantDirectory } from '../tenants/tenants.service';
import { readOnly } from '../simulator/simulator.store';
import * as store from './pipeline.store';
import { checkPipeline, defaultPipeline, type PipelineStep, type StepConfigs } from './steps';
import { localizedSchema, STEP_DEFINITIONS, type JsonSchema, type StepType } from './step-schemas';

type Landing = ResolversParentTypes['OriginationLanding'];

export interface PipelineView { steps: PipelineStep[]; isDefault: boolean }
export interface StepTypeView { type: StepType; label: string; description: string; configSchema: JsonSchema; unique: boolean; placement: 'FIRST' | 'LAST' | null; conditional: boolean }
export interface LegalDocument { id: string; code: string; version: number; locale: string; title: string; body: string; sha256: string; createdAt: string }

const toDoc = (r: store.LegalDocRow): LegalDocument => ({ id: r.id, code: r.code, version: r.version, locale: r.locale, title: r.title, body: r.body, sha256: r.sha256, createdAt: r.created_at });
export const sha256Hex = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

export class PipelineService {
  constructor(private readonly orm: Orm, private readonly products: ProductsService, private readonly directory: TenantDirectory) {}

  /** The step types with their configuration schemas (the objects checkPipeline validates with), texts in `asked` (es, en) else `fallback`. */
  stepTypes(auth: AuthContext, asked: string | null | undefined, fallback: 'es' | 'en'): StepTypeView[] {
    requireRole(auth, ...PRODUCT_READERS);
    if (asked !== null && asked !== undefined && asked !== 'es' && asked !== 'en') throw new BadInputError('locale must be es or en', 'locale');
    const locale = asked ?? fallback;
    return STEP_DEFINITIONS.map((d) => ({
      type: d.type, label: d.label[locale], description: d.description[locale], configSchema: localizedSchema(d.schema, locale) as JsonSchema,
      unique: d.unique, placement: d.placement, conditional: d.conditional,
    }));
  }

  /** DataLoader batch: the effective pipeline of each version (one statement). */
  async byVersionIds(tenantId: string | null, ids: readonly string[]): Promise<PipelineView[]> {
    const valid = ids.filter(isUuid);
    const rows = valid.length ? await inTenantTx(this.orm, { tenantId }, (em) => store.effectivePipelines(em, valid)) : [];
    const m = new Map(rows.map((r) => [r.version_id, r]));
    return ids.map((id) => {
      const r = m.get(id);
      return r?.steps ? { steps: r.steps, isDefault: false } : { steps: defaultPipeline(), isDefault: true };
    });
  }

  /** The pipeline an application pins, in `em`'s transaction. */
  async pipelineIn(em: Em, versionId: string): Promise<PipelineStep[]> {
    const [row] = await store.effectivePipelines(em, [versionId]);
    return row?.steps ?? defaultPipeline();
  }

  async updateDraft(caller: Caller, input: UpdateDraftPipelineInput): Promise<ResolversParentTypes['ProductVersionPayload']> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    const checked = checkPipeline(input.steps.map((s) => ({ key: s.key, type: s.type, enabled: s.enabled, config: s.config, runWhen: s.runWhen ?? null })));
    if (!checked.steps) return { version: null, userErrors: checked.userErrors };
    const steps = checked.steps;
    return payload(() => inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => {
      const version = await this.products.versionIn(em, input.versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field: 'versionId' });
      if (await this.products.pendingPublication(em, version.id)) reject('VERSION_PENDING_APPROVAL', { field: 'versionId' });
      await store.upsertPipeline(em, { versionId: version.id, tenantId: user.tenantId, steps, userId: user.userId });
      return { version };
    }), { version: null });
  }

  // ---- legal documents ----
  async publishLegalDocument(caller: Caller, input: PublishLegalDocumentInput): Promise<ResolversParentTypes['LegalDocumentPayload']> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    const code = (input.code ?? '').trim().toUpperCase();
    const title = (input.title ?? '').trim();
    const errors = [];
    if (!/^[A-Z0-9][A-Z0-9_-]{0,39}$/.test(code)) errors.push(userError('LEGAL_DOCUMENT_INVALID', { field: 'code' }));
    if (input.locale !== 'es' && input.locale !== 'en') errors.push(userError('LEGAL_DOCUMENT_INVALID', { field: 'locale' }));
    if (title.length < 1 || title.length > 200) errors.push(userError('LEGAL_DOCUMENT_INVALID', { field: 'title' }));
    else if (unsafeTextError(title, 'title')) errors.push(unsafeTextError(title, 'title')!);
    if (typeof input.body !== 'string' || input.body.trim().length < 1 || input.body.length > 50_000) errors.push(userError('LEGAL_DOCUMENT_INVALID', { field: 'body' }));
    else if (unsafeMultilineText(input.body)) errors.push(userError('INVALID_TEXT', { field: 'body' }));
    if (errors.length) return { document: null, userErrors: errors };
    return payload(() => inTenantTx(this.orm, { tenantId: user.tenantId }, async (em) => ({
      document: toDoc(await store.insertLegalDocument(em, { id: crypto.randomUUID(), tenantId: user.tenantId, code, locale: input.locale, title, body: input.body, sha256: sha256Hex(input.body), userId: user.userId })),
    })), { document: null }, { onUniqueViolation: 'retry' });
  }

  async legalDocuments(auth: AuthContext, code: string | null | undefined): Promise<LegalDocument[]> {
    const user = requireUser(auth);
    const codes = code ? [code.trim().toUpperCase()] : null;
    return (await inTenantTx(this.orm, { tenantId: user.tenantId }, (em) => store.currentLegalDocuments(em, codes))).map(toDoc);
  }

  /** The current version of each code in `locale` (else in any locale), in `em`'s transaction. */
  async currentDocumentsIn(em: Em, codes: string[], locale: string): Promise<Map<string, LegalDocument>> {
    const rows = (await store.currentLegalDocuments(em, codes)).map(toDoc);
    const out = new Map<string, LegalDocument>();
    for (const code of codes) {
      const mine = rows.filter((r) => r.code === code);
      const pick = mine.find((r) => r.locale === locale) ?? mine[0];
      if (pick) out.set(code, pick);
    }
    return out;
  }

  // ---- public landing ----
  async landing(productCode: string, ref: { tenantSlug?: string | null; host?: string | null }): Promise<Landing | null> {
    const tenant = await this.directory.resolve(ref);
    if (!tenant || tenant.status !== 'ACTIVE' || typeof productCode !== 'string') return null;
    return inTenantTx(this.orm, { tenantId: tenant.id }, async (em) => {
      await readOnly(em);
      const found = await this.products.publishedByCode(em, productCode);
      if (!found) return null;
      const [landing] = await this.landingsOf(em, [found], false);
      return landing ?? null;
    });
  }

  /**
   * The portal's home: the landing of every published product of the tenant whose pipeline has an
   * enabled LANDING step, by product name. Same tenant resolution and the same answer per product
   * as `landing`, in a constant number of statements (products, versions, pipelines, documents).
   * An unknown or suspended tenant has none.
   */
  async landings(ref: { tenantSlug?: string | null; host?: string | null }): Promise<Landing[]> {
    const tenant = await this.directory.resolve(ref);
    if (!tenant || tenant.status !== 'ACTIVE') return [];
    return inTenantTx(this.orm, { tenantId: tenant.id }, async (em) => {
      await readOnly(em);
      const landings = await this.landingsOf(em, await this.products.publishedAll(em), true);
      return landings.sort((a, b) => a.productName.localeCompare(b.productName, 'es') || a.productCode.localeCompare(b.productCode));
    });
  }

  /** Landings of published products: one statement for their pipelines, one for their documents. */
  private async landingsOf(em: Em, found: { product: CreditProduct; version: ProductVersion }[], onlyWithLanding: boolean): Promise<Landing[]> {
    if (found.length === 0) return [];
    const pipelines = new Map((await store.effectivePipelines(em, found.map((f) => f.version.id))).map((r) => [r.version_id, r.steps ?? defaultPipeline()]));
    const steps = new Map(found.map((f) => [f.version.id, (pipelines.get(f.version.id) ?? defaultPipeline()).filter((s) => s.enabled)]));
    const consentCodes = (id: string) => steps.get(id)!.filter((s) => s.type === 'LEGAL_CONSENT').flatMap((s) => (s.config as StepConfigs['LEGAL_CONSENT']).documents);
    const allCodes = [...new Set(found.flatMap((f) => consentCodes(f.version.id)))];
    const docs = allCodes.length ? await this.currentDocumentsIn(em, allCodes, 'es') : new Map<string, LegalDocument>();
    const out: Landing[] = [];
    for (const { product, version } of found) {
      const landing = steps.get(version.id)!.find((s) => s.type === 'LANDING') as PipelineStep<'LANDING'> | undefined;
      if (!landing && onlyWithLanding) continue;
      const units = minorUnits(product.currency);
      out.push({
        productId: product.id, productCode: product.code, productName: product.name, currency: product.currency,
        minAmount: fmt(version.terms.minAmount, units), maxAmount: fmt(version.terms.maxAmount, units), minTerm: version.terms.minTerm, maxTerm: version.terms.maxTerm,
        title: landing?.config.title ?? product.name, blocks: landing?.config.blocks ?? [], legalFooter: landing?.config.legalFooter ?? null,
        legalDocuments: [...new Set(consentCodes(version.id))].flatMap((code) => docs.get(code) ?? []),
      });
    }
    return out;
  }

}
