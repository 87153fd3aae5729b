/**
 * Credit products, their immutable versions, and the maker-checker change requests that publish a
 * version or archive a product. All tables are tenant-scoped by RLS; these functions add the role
 * checks and the state machine:
 *   version: DRAFT -> PUBLISHED -> ARCHIVED, DRAFT -> DISCARDED (a DB trigger refuses any change of
 *   a published version's terms, and any backwards move);
 *   change request: PENDING -> APPROVED | REJECTED, decided by a checker who is not the maker.
 * Persistence is products.store.ts (MikroORM entities, unit of work), always on the transaction of
 * `inTenantTx`.
 */
import { hasRole, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { actorOf, BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import { isSupportedCurrency } from '../common/money';
import { PRODUCT_CHECKERS, PRODUCT_MAKERS, PRODUCT_READERS } from '../common/roles';
import type { CreateCreditProductInput, CreateDraftVersionInput, ResolversParentTypes, UpdateDraftVersionInput } from '../__generated__/graphql';
import { Rejected, reject, unsafeTextError, userError, type UserError } from '../common/user-errors';
import { payload } from '@imagy/platform/graphql';
import * as store from './products.store';
import { normaliseTerms, type ProductTerms } from './terms';

export type ProductStatus = 'ACTIVE' | 'ARCHIVED';
export type VersionStatus = 'DRAFT' | 'PUBLISHED' | 'ARCHIVED' | 'DISCARDED';
export type ChangeKind = 'PUBLISH_VERSION' | 'ARCHIVE_PRODUCT';
export type ChangeStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

export interface CreditProduct { id: string; tenantId: string; code: string; name: string; currency: string; status: ProductStatus; createdAt: string; archivedAt: string | null }
export interface ProductVersion { id: string; tenantId: string; productId: string; number: number; status: VersionStatus; terms: ProductTerms; createdBy: string | null; createdAt: string; publishedAt: string | null; archivedAt: string | null }
export interface ChangeRequest { id: string; tenantId: string; kind: ChangeKind; productId: string; versionId: string | null; status: ChangeStatus; makerId: string; checkerId: string | null; reason: string | null; createdAt: string; decidedAt: string | null }

type ProductPayload = ResolversParentTypes['CreateCreditProductPayload'];
type VersionPayload = ResolversParentTypes['ProductVersionPayload'];
type ChangeRequestPayload = ResolversParentTypes['ChangeRequestPayload'];

function byKey<T>(keys: readonly string[], rows: T[], keyOf: (t: T) => string): (T | null)[] {
  const m = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => m.get(k) ?? null);
}
function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) { const k = keyOf(r); const list = m.get(k); if (list) list.push(r); else m.set(k, [r]); }
  return keys.map((k) => m.get(k) ?? []);
}

/** The keyset cursor of products and change requests: [createdAt, id]. */
function keysetOf(after: string | null | undefined): store.Keyset | null {
  const cursor = decodeCursor<[string, string]>(after);
  if (!cursor) return null;
  if (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || Number.isNaN(Date.parse(cursor[0])) || !isUuid(cursor[1])) throw new BadInputError('Invalid cursor', 'after');
  return { createdAt: cursor[0], id: cursor[1] };
}

export class ProductsService {
  constructor(private readonly orm: Orm, private readonly outbox: Outbox) {}

  private tx<T>(tenantId: string | null, work: (em: Em) => Promise<T>): Promise<T> {
    return inTenantTx(this.orm, { tenantId }, work);
  }

  // ---- batch reads (DataLoaders): one statement per batch, RLS-scoped to the tenant ----
  async productsByIds(tenantId: string | null, ids: readonly string[]): Promise<(CreditProduct | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => null);
    return byKey(ids, await this.tx(tenantId, (em) => store.productsByIds(em, valid)), (p) => p.id);
  }
  async versionsByIds(tenantId: string | null, ids: readonly string[]): Promise<(ProductVersion | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => null);
    return byKey(ids, await this.tx(tenantId, (em) => store.versionsByIds(em, valid)), (v) => v.id);
  }
  async versionsByProductIds(tenantId: string | null, ids: readonly string[]): Promise<ProductVersion[][]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => []);
    return groupBy(ids, await this.tx(tenantId, (em) => store.versionsOfProducts(em, valid)), (v) => v.productId);
  }
  async pendingRequestsByProductIds(tenantId: string | null, ids: readonly string[]): Promise<ChangeRequest[][]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => []);
    return groupBy(ids, await this.tx(tenantId, (em) => store.pendingRequestsOfProducts(em, valid)), (c) => c.productId);
  }

  // ---- queries ----
  async list(auth: AuthContext, first: number | null | undefined, after: string | null | undefined): Promise<Connection<CreditProduct>> {
    const user = requireRole(auth, ...PRODUCT_READERS);
    const limit = pageSize(first);
    const from = keysetOf(after);
    const rows = await this.tx(user.tenantId, (em) => store.listProducts(em, from, limit + 1));
    return toConnection(rows, limit, (p) => [p.createdAt, p.id]);
  }

  async listChangeRequests(auth: AuthContext, status: ChangeStatus | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<Connection<ChangeRequest>> {
    const user = requireRole(auth, ...PRODUCT_READERS);
    const limit = pageSize(first);
    const from = keysetOf(after);
    const rows = await this.tx(user.tenantId, (em) => store.listRequests(em, status ?? null, from, limit + 1));
    return toConnection(rows, limit, (c) => [c.createdAt, c.id]);
  }

  /** The published version of the product with `code` in the current transaction's tenant. */
  async publishedByCode(em: Em, code: string): Promise<{ product: CreditProduct; version: ProductVersion } | null> {
    const product = await store.activeProductByCode(em, code.trim().toUpperCase());
    if (!product) return null;
    const version = await store.publishedVersionOf(em, product.id);
    return version ? { product, version } : null;
  }

  /** Every active product of the tenant with its published version, in `em`'s transaction (the portal's home). */
  async publishedAll(em: Em): Promise<{ product: CreditProduct; version: ProductVersion }[]> {
    return store.publishedProducts(em);
  }

  /** The product's PUBLISHED version in `em`'s transaction. */
  async publishedVersionOf(em: Em, productId: string): Promise<ProductVersion | null> {
    return isUuid(productId) ? store.publishedVersionOf(em, productId) : null;
  }

  async productIn(em: Em, id: string, lock = false): Promise<CreditProduct | null> {
    return isUuid(id) ? store.productById(em, id, lock) : null;
  }
  async versionIn(em: Em, id: string, lock = false): Promise<ProductVersion | null> {
    return isUuid(id) ? store.versionById(em, id, lock) : null;
  }

  // ---- mutations ----
  async create(caller: Caller, input: CreateCreditProductInput): Promise<ProductPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    const errors: UserError[] = [];
    const code = (input.code ?? '').trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9_-]{0,39}$/.test(code)) errors.push(userError('INVALID_CODE', { field: 'code' }));
    const name = (input.name ?? '').trim();
    if (name.length < 1 || name.length > 200) errors.push(userError('INVALID_NAME', { field: 'name' }));
    else if (unsafeTextError(name, 'name')) errors.push(unsafeTextError(name, 'name')!);
    const currency = (input.currency ?? '').trim().toUpperCase();
    if (!isSupportedCurrency(currency)) errors.push(userError('INVALID_CURRENCY', { field: 'currency' }));
    const terms = normaliseTerms(input.terms, isSupportedCurrency(currency) ? currency : 'MXN');
    errors.push(...terms.userErrors);
    if (errors.length || !terms.terms) return { product: null, version: null, userErrors: errors };
    const normalised = terms.terms;
    const taken = () => userError('CODE_TAKEN', { field: 'code', params: { code } });
    return payload(() => this.tx(user.tenantId, async (em) => {
      const created = await store.insertProduct(em, { tenantId: user.tenantId, code, name, currency, terms: normalised, userId: user.userId });
      if (!created) throw new Rejected(taken());
      await this.outbox.publish(em, 'lending.product.created', { productId: created.product.id, code, currency }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return created;
    }), { product: null, version: null }, { onUniqueViolation: taken });
  }

  async createDraftVersion(caller: Caller, input: CreateDraftVersionInput): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const product = await this.productIn(em, input.productId, true);
      if (!product) throw new NotFoundError('Product not found');
      if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', { field: 'productId' });
      let terms: ProductTerms;
      if (input.terms) {
        const n = normaliseTerms(input.terms, product.currency);
        if (!n.terms) throw new Rejected(n.userErrors);
        terms = n.terms;
      } else {
        const from = input.fromVersionId ? await this.versionIn(em, input.fromVersionId) : await store.latestCopyableVersion(em, product.id);
        if (!from || from.productId !== product.id) return reject('VERSION_NOT_FOUND', { field: 'fromVersionId' });
        terms = from.terms;
      }
      if (await store.hasDraft(em, product.id)) reject('DRAFT_EXISTS', { field: 'productId' });
      return (await store.insertDraft(em, { tenantId: user.tenantId, productId: product.id, terms, userId: user.userId })).id;
    });
  }

  async updateDraftVersion(caller: Caller, input: UpdateDraftVersionInput): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, input.versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field: 'versionId' });
      await this.refuseIfPending(em, version.id);
      const product = await this.productIn(em, version.productId);
      if (!product) throw new NotFoundError('Product not found');
      const n = normaliseTerms(input.terms, product.currency);
      if (!n.terms) throw new Rejected(n.userErrors);
      await store.updateDraftTerms(em, version.id, n.terms);
      return version.id;
    });
  }

  async discardDraftVersion(caller: Caller, versionId: string): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field: 'versionId' });
      await this.refuseIfPending(em, version.id);
      await store.discardVersion(em, version.id);
      return version.id;
    });
  }

  async requestPublication(caller: Caller, versionId: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field: 'versionId' });
      const product = await this.productIn(em, version.productId);
      if (!product || product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', { field: 'versionId' });
      return this.insertRequest(em, caller, 'PUBLISH_VERSION', version.productId, version.id);
    });
  }

  async requestProductArchival(caller: Caller, productId: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const product = await this.productIn(em, productId, true);
      if (!product) throw new NotFoundError('Product not found');
      if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', { field: 'productId' });
      return this.insertRequest(em, caller, 'ARCHIVE_PRODUCT', product.id, null);
    });
  }

  async approve(caller: Caller, id: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_CHECKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const cr = await this.pendingRequest(em, id, user.userId);
      const meta = { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId };
      const product = await this.productIn(em, cr.productId, true);
      if (!product) throw new NotFoundError('Product not found');
      const now = new Date();
      if (cr.kind === 'PUBLISH_VERSION') {
        const version = cr.versionId ? await this.versionIn(em, cr.versionId, true) : null;
        if (!version) throw new NotFoundError('Version not found');
        if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', { field: 'id' });
        if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', { field: 'id' });
        // One published version per product: the previous one is archived (credits keep pointing at it).
        await store.publishVersion(em, product.id, version.id, now);
        await this.outbox.publish(em, 'lending.product.version_published', { productId: product.id, productCode: product.code, versionId: version.id, number: version.number, changeRequestId: cr.id }, meta);
      } else {
        if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', { field: 'id' });
        await store.archiveProduct(em, product.id, cr.id, user.userId, now);
        await this.outbox.publish(em, 'lending.product.archived', { productId: product.id, productCode: product.code, changeRequestId: cr.id }, meta);
      }
      const decided = await store.decideRequest(em, cr.id, { status: 'APPROVED', checkerId: user.userId, at: now });
      await this.outbox.publish(em, 'lending.change_request.approved', { changeRequestId: cr.id, kind: cr.kind, productId: cr.productId, versionId: cr.versionId, makerId: cr.makerId, checkerId: user.userId }, meta);
      return decided;
    });
  }

  async reject(caller: Caller, id: string, reason: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_CHECKERS);
    const why = (reason ?? '').trim();
    if (why.length < 1 || why.length > 1000) return { changeRequest: null, userErrors: [userError('INVALID_REASON', { field: 'reason' })] };
    const unsafe = unsafeTextError(why, 'reason');
    if (unsafe) return { changeRequest: null, userErrors: [unsafe] };
    return this.crMutation(user.tenantId, async (em) => {
      const cr = await this.pendingRequest(em, id, user.userId);
      const decided = await store.decideRequest(em, cr.id, { status: 'REJECTED', checkerId: user.userId, reason: why, at: new Date() });
      await this.outbox.publish(em, 'lending.change_request.rejected', { changeRequestId: cr.id, kind: cr.kind, productId: cr.productId, versionId: cr.versionId, makerId: cr.makerId, checkerId: user.userId, reason: why }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return decided;
    });
  }

  // ---- internals ----
  private async pendingRequest(em: Em, id: string, checkerId: string): Promise<ChangeRequest> {
    const cr = isUuid(id) ? await store.requestById(em, id, true) : null;
    if (!cr) throw new NotFoundError('Change request not found');
    if (cr.status !== 'PENDING') reject('NOT_PENDING', { field: 'id' });
    if (cr.makerId === checkerId) reject('SELF_APPROVAL', { field: 'id' });
    return cr;
  }

  /** Whether a publication request of the version is pending (its draft, terms and pipeline, is then frozen). */
  async pendingPublication(em: Em, versionId: string): Promise<boolean> {
    return store.hasPendingRequestFor(em, versionId);
  }

  private async refuseIfPending(em: Em, versionId: string): Promise<void> {
    if (await store.hasPendingRequestFor(em, versionId)) reject('VERSION_PENDING_APPROVAL', { field: 'versionId' });
  }

  private async insertRequest(em: Em, caller: Caller, kind: ChangeKind, productId: string, versionId: string | null): Promise<ChangeRequest> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    const cr = await store.insertRequest(em, { tenantId: user.tenantId, kind, productId, versionId, makerId: user.userId });
    if (!cr) return reject('ALREADY_PENDING', { field: versionId ? 'versionId' : 'productId' });
    await this.outbox.publish(em, 'lending.change_request.created', { changeRequestId: cr.id, kind, productId, versionId, makerId: user.userId }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
    return cr;
  }

  /** A version mutation's transaction; a unique violation means a second draft raced past the check. */
  private versionMutation(tenantId: string, work: (em: Em) => Promise<string>): Promise<VersionPayload> {
    return payload(() => this.tx(tenantId, async (em) => {
      const version = await this.versionIn(em, await work(em));
      if (!version) throw new NotFoundError('Version not found');
      return { version };
    }), { version: null }, { onUniqueViolation: () => userError('DRAFT_EXISTS', { field: 'productId' }) });
  }

  /** A change request mutation's transaction; a unique violation means an identical pending request raced past the check. */
  private crMutation(tenantId: string, work: (em: Em) => Promise<ChangeRequest>): Promise<ChangeRequestPayload> {
    return payload(() => this.tx(tenantId, async (em) => ({ changeRequest: await work(em) })), { changeRequest: null }, { onUniqueViolation: () => userError('ALREADY_PENDING') });
  }

  canReadProducts(auth: AuthContext): boolean {
    return hasRole(auth, ...PRODUCT_READERS);
  }
}
