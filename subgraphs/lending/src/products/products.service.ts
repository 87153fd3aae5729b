/**
 * Credit products, their immutable versions, and the maker-checker change requests that publish a
 * version or archive a product. All tables are tenant-scoped by RLS; these functions add the role
 * checks and the state machine:
 *   version: DRAFT -> PUBLISHED -> ARCHIVED, DRAFT -> DISCARDED (a DB trigger refuses any change of
 *   a published version's terms, and any backwards move);
 *   change request: PENDING -> APPROVED | REJECTED, decided by a checker who is not the maker.
 */
import crypto from 'node:crypto';
import { hasRole, type AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { Outbox } from '@imagy/platform/events';
import { BadInputError, decodeCursor, NotFoundError, pageSize, requireRole, toConnection, type Connection } from '@imagy/platform/server';
import { actorOf, type Caller } from '@imagy/platform/server';
import { isSupportedCurrency } from '../common/money';
import { PRODUCT_CHECKERS, PRODUCT_MAKERS, PRODUCT_READERS } from '../common/roles';
import { iso, isUniqueViolation, jsonParam, UUID_ARRAY_PARAM } from '../common/sql';
import { Rejected, reject, userError, type UserError } from '../common/validation';
import { normaliseTerms, type ProductTerms, type ProductTermsInput } from './terms';

export type ProductStatus = 'ACTIVE' | 'ARCHIVED';
export type VersionStatus = 'DRAFT' | 'PUBLISHED' | 'ARCHIVED' | 'DISCARDED';
export type ChangeKind = 'PUBLISH_VERSION' | 'ARCHIVE_PRODUCT';
export type ChangeStatus = 'PENDING' | 'APPROVED' | 'REJECTED';

export interface CreditProduct { id: string; tenantId: string; code: string; name: string; currency: string; status: ProductStatus; createdAt: string; archivedAt: string | null }
export interface ProductVersion { id: string; tenantId: string; productId: string; number: number; status: VersionStatus; terms: ProductTerms; createdBy: string | null; createdAt: string; publishedAt: string | null; archivedAt: string | null }
export interface ChangeRequest { id: string; tenantId: string; kind: ChangeKind; productId: string; versionId: string | null; status: ChangeStatus; makerId: string; checkerId: string | null; reason: string | null; createdAt: string; decidedAt: string | null }

export interface CreateProductInput { code: string; name: string; currency: string; terms: ProductTermsInput }
export interface CreateDraftInput { productId: string; fromVersionId?: string | null; terms?: ProductTermsInput | null }
export interface UpdateDraftInput { versionId: string; terms: ProductTermsInput }

const PRODUCT_SELECT = `select p.id, p.tenant_id, p.code, p.name, trim(p.currency) as currency, p.status, ${iso('p.created_at')} as created_at, ${iso('p.archived_at')} as archived_at from credit_products p`;
const VERSION_SELECT = `select v.id, v.tenant_id, v.product_id, v.number, v.status, v.terms, v.created_by, ${iso('v.created_at')} as created_at, ${iso('v.published_at')} as published_at, ${iso('v.archived_at')} as archived_at from product_versions v`;
const CR_SELECT = `select c.id, c.tenant_id, c.kind, c.product_id, c.version_id, c.status, c.maker_id, c.checker_id, c.reason, ${iso('c.created_at')} as created_at, ${iso('c.decided_at')} as decided_at from change_requests c`;

type Row = Record<string, any>;
export const toProduct = (r: Row): CreditProduct => ({ id: r.id, tenantId: r.tenant_id, code: r.code, name: r.name, currency: r.currency, status: r.status, createdAt: r.created_at, archivedAt: r.archived_at });
export const toVersion = (r: Row): ProductVersion => ({ id: r.id, tenantId: r.tenant_id, productId: r.product_id, number: r.number, status: r.status, terms: r.terms, createdBy: r.created_by, createdAt: r.created_at, publishedAt: r.published_at, archivedAt: r.archived_at });
const toCr = (r: Row): ChangeRequest => ({ id: r.id, tenantId: r.tenant_id, kind: r.kind, productId: r.product_id, versionId: r.version_id, status: r.status, makerId: r.maker_id, checkerId: r.checker_id, reason: r.reason, createdAt: r.created_at, decidedAt: r.decided_at });

export interface ProductPayload { product: CreditProduct | null; version: ProductVersion | null; userErrors: UserError[] }
export interface VersionPayload { version: ProductVersion | null; userErrors: UserError[] }
export interface ChangeRequestPayload { changeRequest: ChangeRequest | null; userErrors: UserError[] }

function byKey<T>(keys: readonly string[], rows: T[], keyOf: (t: T) => string): (T | null)[] {
  const m = new Map(rows.map((r) => [keyOf(r), r]));
  return keys.map((k) => m.get(k) ?? null);
}
function groupBy<T>(keys: readonly string[], rows: T[], keyOf: (t: T) => string): T[][] {
  const m = new Map<string, T[]>();
  for (const r of rows) { const k = keyOf(r); if (!m.has(k)) m.set(k, []); m.get(k)!.push(r); }
  return keys.map((k) => m.get(k) ?? []);
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
    const rows = await this.tx(tenantId, (em) => em.execute<Row[]>(`${PRODUCT_SELECT} where p.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(valid)]));
    return byKey(ids, rows.map(toProduct), (p) => p.id);
  }
  async versionsByIds(tenantId: string | null, ids: readonly string[]): Promise<(ProductVersion | null)[]> {
    const valid = ids.filter(isUuid);
    if (!valid.length) return ids.map(() => null);
    const rows = await this.tx(tenantId, (em) => em.execute<Row[]>(`${VERSION_SELECT} where v.id = any(${UUID_ARRAY_PARAM})`, [jsonParam(valid)]));
    return byKey(ids, rows.map(toVersion), (v) => v.id);
  }
  async versionsByProductIds(tenantId: string | null, ids: readonly string[]): Promise<ProductVersion[][]> {
    const rows = await this.tx(tenantId, (em) => em.execute<Row[]>(`${VERSION_SELECT} where v.product_id = any(${UUID_ARRAY_PARAM}) order by v.number`, [jsonParam(ids.filter(isUuid))]));
    return groupBy(ids, rows.map(toVersion), (v) => v.productId);
  }
  async pendingRequestsByProductIds(tenantId: string | null, ids: readonly string[]): Promise<ChangeRequest[][]> {
    const rows = await this.tx(tenantId, (em) => em.execute<Row[]>(`${CR_SELECT} where c.product_id = any(${UUID_ARRAY_PARAM}) and c.status = 'PENDING' order by c.created_at, c.id`, [jsonParam(ids.filter(isUuid))]));
    return groupBy(ids, rows.map(toCr), (c) => c.productId);
  }

  // ---- queries ----
  async list(auth: AuthContext, first: number | null | undefined, after: string | null | undefined): Promise<Connection<CreditProduct>> {
    const user = requireRole(auth, ...PRODUCT_READERS);
    const limit = pageSize(first);
    const cursor = decodeCursor<[string, string]>(after);
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const rows = await this.tx(user.tenantId, (em) => cursor
      ? em.execute<Row[]>(`${PRODUCT_SELECT} where (p.created_at, p.id) > (?::timestamptz, ?::uuid) order by p.created_at, p.id limit ?`, [cursor[0], cursor[1], limit + 1])
      : em.execute<Row[]>(`${PRODUCT_SELECT} order by p.created_at, p.id limit ?`, [limit + 1]));
    return toConnection(rows.map(toProduct), limit, (p) => [p.createdAt, p.id]);
  }

  async listChangeRequests(auth: AuthContext, status: ChangeStatus | null | undefined, first: number | null | undefined, after: string | null | undefined): Promise<Connection<ChangeRequest>> {
    const user = requireRole(auth, ...PRODUCT_READERS);
    const limit = pageSize(first);
    const cursor = decodeCursor<[string, string]>(after);
    if (cursor && (!Array.isArray(cursor) || typeof cursor[0] !== 'string' || !isUuid(cursor[1]))) throw new BadInputError('Invalid cursor', 'after');
    const where: string[] = [];
    const params: unknown[] = [];
    if (status) { where.push('c.status = ?'); params.push(status); }
    if (cursor) { where.push('(c.created_at, c.id) > (?::timestamptz, ?::uuid)'); params.push(cursor[0], cursor[1]); }
    const rows = await this.tx(user.tenantId, (em) => em.execute<Row[]>(`${CR_SELECT} ${where.length ? `where ${where.join(' and ')}` : ''} order by c.created_at, c.id limit ?`, [...params, limit + 1]));
    return toConnection(rows.map(toCr), limit, (c) => [c.createdAt, c.id]);
  }

  /** The published version of the product with `code` in the current transaction's tenant. */
  async publishedByCode(em: Em, code: string): Promise<{ product: CreditProduct; version: ProductVersion } | null> {
    const rows = await em.execute<Row[]>(`${PRODUCT_SELECT} where p.code = ? and p.status = 'ACTIVE'`, [code.trim().toUpperCase()]);
    if (!rows[0]) return null;
    const product = toProduct(rows[0]);
    const versions = await em.execute<Row[]>(`${VERSION_SELECT} where v.product_id = ? and v.status = 'PUBLISHED'`, [product.id]);
    return versions[0] ? { product, version: toVersion(versions[0]) } : null;
  }

  async productIn(em: Em, id: string, lock = false): Promise<CreditProduct | null> {
    if (!isUuid(id)) return null;
    const rows = await em.execute<Row[]>(`${PRODUCT_SELECT} where p.id = ?${lock ? ' for update' : ''}`, [id]);
    return rows[0] ? toProduct(rows[0]) : null;
  }
  async versionIn(em: Em, id: string, lock = false): Promise<ProductVersion | null> {
    if (!isUuid(id)) return null;
    const rows = await em.execute<Row[]>(`${VERSION_SELECT} where v.id = ?${lock ? ' for update' : ''}`, [id]);
    return rows[0] ? toVersion(rows[0]) : null;
  }

  // ---- mutations ----
  async create(caller: Caller, input: CreateProductInput): Promise<ProductPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    const errors: UserError[] = [];
    const code = (input.code ?? '').trim().toUpperCase();
    if (!/^[A-Z0-9][A-Z0-9_-]{0,39}$/.test(code)) errors.push(userError('INVALID_CODE', 'The code must be 1-40 letters, digits, dashes or underscores', 'code'));
    const name = (input.name ?? '').trim();
    if (name.length < 1 || name.length > 200) errors.push(userError('INVALID_NAME', 'The name must have 1 to 200 characters', 'name'));
    const currency = (input.currency ?? '').trim().toUpperCase();
    if (!isSupportedCurrency(currency)) errors.push(userError('INVALID_CURRENCY', `${currency} is not a supported ISO 4217 currency`, 'currency'));
    const terms = normaliseTerms(input.terms, isSupportedCurrency(currency) ? currency : 'MXN');
    errors.push(...terms.userErrors);
    if (errors.length) return { product: null, version: null, userErrors: errors };
    try {
      return await this.tx(user.tenantId, async (em) => {
        const id = crypto.randomUUID();
        const inserted = await em.execute<Row[]>(`insert into credit_products (id, tenant_id, code, name, currency, created_by) values (?, ?, ?, ?, ?, ?) on conflict (tenant_id, code) do nothing returning id`, [id, user.tenantId, code, name, currency, user.userId]);
        if (!inserted.length) reject('CODE_TAKEN', `A product with code ${code} already exists`, 'code');
        const versionId = await this.insertVersion(em, user.tenantId, id, terms.terms!, user.userId);
        await this.outbox.publish(em, 'lending.product.created', { productId: id, code, currency }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
        return { product: (await this.productIn(em, id))!, version: (await this.versionIn(em, versionId))!, userErrors: [] };
      });
    } catch (e) {
      if (e instanceof Rejected) return { product: null, version: null, userErrors: e.userErrors };
      if (isUniqueViolation(e)) return { product: null, version: null, userErrors: [userError('CODE_TAKEN', `A product with code ${code} already exists`, 'code')] };
      throw e;
    }
  }

  async createDraftVersion(caller: Caller, input: CreateDraftInput): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const product = await this.productIn(em, input.productId, true);
      if (!product) throw new NotFoundError('Product not found');
      if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', 'The product is archived', 'productId');
      let terms: ProductTerms;
      if (input.terms) {
        const n = normaliseTerms(input.terms, product.currency);
        if (!n.terms) throw new Rejected(n.userErrors);
        terms = n.terms;
      } else {
        const from = input.fromVersionId
          ? await this.versionIn(em, input.fromVersionId)
          : (await em.execute<Row[]>(`${VERSION_SELECT} where v.product_id = ? and v.status <> 'DISCARDED' order by (v.status = 'PUBLISHED') desc, v.number desc limit 1`, [product.id])).map(toVersion)[0] ?? null;
        if (!from || from.productId !== product.id) return reject('VERSION_NOT_FOUND', 'No version of this product to copy from', 'fromVersionId');
        terms = from.terms;
      }
      const existing = await em.execute<Row[]>(`select id from product_versions where product_id = ? and status = 'DRAFT'`, [product.id]);
      if (existing.length) reject('DRAFT_EXISTS', 'The product already has a draft version: edit or discard it', 'productId');
      return this.insertVersion(em, user.tenantId, product.id, terms, user.userId);
    });
  }

  async updateDraftVersion(caller: Caller, input: UpdateDraftInput): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, input.versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', `Version ${version.number} is ${version.status}; published versions never change: create a new draft from it`, 'versionId');
      await this.refuseIfPending(em, version.id);
      const product = (await this.productIn(em, version.productId))!;
      const n = normaliseTerms(input.terms, product.currency);
      if (!n.terms) throw new Rejected(n.userErrors);
      await em.execute('update product_versions set terms = ?::jsonb where id = ?', [JSON.stringify(n.terms), version.id]);
      return version.id;
    });
  }

  async discardDraftVersion(caller: Caller, versionId: string): Promise<VersionPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.versionMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', `Only a draft can be discarded; version ${version.number} is ${version.status}`, 'versionId');
      await this.refuseIfPending(em, version.id);
      await em.execute(`update product_versions set status = 'DISCARDED' where id = ?`, [version.id]);
      return version.id;
    });
  }

  async requestPublication(caller: Caller, versionId: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const version = await this.versionIn(em, versionId, true);
      if (!version) throw new NotFoundError('Version not found');
      if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', `Only a draft can be published; version ${version.number} is ${version.status}`, 'versionId');
      const product = (await this.productIn(em, version.productId))!;
      if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', 'The product is archived', 'versionId');
      return this.insertRequest(em, caller, 'PUBLISH_VERSION', product.id, version.id);
    });
  }

  async requestProductArchival(caller: Caller, productId: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_MAKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const product = await this.productIn(em, productId, true);
      if (!product) throw new NotFoundError('Product not found');
      if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', 'The product is already archived', 'productId');
      return this.insertRequest(em, caller, 'ARCHIVE_PRODUCT', product.id, null);
    });
  }

  async approve(caller: Caller, id: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_CHECKERS);
    return this.crMutation(user.tenantId, async (em) => {
      const cr = await this.pendingRequest(em, id, user.userId);
      const meta = { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId };
      const product = (await this.productIn(em, cr.productId, true))!;
      if (cr.kind === 'PUBLISH_VERSION') {
        const version = (await this.versionIn(em, cr.versionId!, true))!;
        if (version.status !== 'DRAFT') reject('VERSION_NOT_DRAFT', `Version ${version.number} is ${version.status}`, 'id');
        if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', 'The product was archived meanwhile', 'id');
        // One published version per product: the previous one is archived (credits keep pointing at it).
        await em.execute(`update product_versions set status = 'ARCHIVED', archived_at = clock_timestamp() where product_id = ? and status = 'PUBLISHED'`, [product.id]);
        await em.execute(`update product_versions set status = 'PUBLISHED', published_at = clock_timestamp() where id = ?`, [version.id]);
        await this.outbox.publish(em, 'lending.product.version_published', { productId: product.id, productCode: product.code, versionId: version.id, number: version.number, changeRequestId: cr.id }, meta);
      } else {
        if (product.status !== 'ACTIVE') reject('PRODUCT_ARCHIVED', 'The product is already archived', 'id');
        await em.execute(`update credit_products set status = 'ARCHIVED', archived_at = clock_timestamp() where id = ?`, [product.id]);
        await em.execute(`update product_versions set status = 'DISCARDED' where product_id = ? and status = 'DRAFT'`, [product.id]);
        await em.execute(`update change_requests set status = 'REJECTED', checker_id = ?, reason = 'product archived', decided_at = clock_timestamp() where product_id = ? and status = 'PENDING' and id <> ?`, [user.userId, product.id, cr.id]);
        await this.outbox.publish(em, 'lending.product.archived', { productId: product.id, productCode: product.code, changeRequestId: cr.id }, meta);
      }
      await em.execute(`update change_requests set status = 'APPROVED', checker_id = ?, decided_at = clock_timestamp() where id = ?`, [user.userId, cr.id]);
      await this.outbox.publish(em, 'lending.change_request.approved', { changeRequestId: cr.id, kind: cr.kind, productId: cr.productId, versionId: cr.versionId, makerId: cr.makerId, checkerId: user.userId }, meta);
      return cr.id;
    });
  }

  async reject(caller: Caller, id: string, reason: string): Promise<ChangeRequestPayload> {
    const user = requireRole(caller.auth, ...PRODUCT_CHECKERS);
    const why = (reason ?? '').trim();
    if (why.length < 1 || why.length > 1000) return { changeRequest: null, userErrors: [userError('INVALID_REASON', 'A reason of 1 to 1000 characters is required', 'reason')] };
    return this.crMutation(user.tenantId, async (em) => {
      const cr = await this.pendingRequest(em, id, user.userId);
      await em.execute(`update change_requests set status = 'REJECTED', checker_id = ?, reason = ?, decided_at = clock_timestamp() where id = ?`, [user.userId, why, cr.id]);
      await this.outbox.publish(em, 'lending.change_request.rejected', { changeRequestId: cr.id, kind: cr.kind, productId: cr.productId, versionId: cr.versionId, makerId: cr.makerId, checkerId: user.userId, reason: why }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
      return cr.id;
    });
  }

  // ---- internals ----
  private async pendingRequest(em: Em, id: string, checkerId: string): Promise<ChangeRequest> {
    if (!isUuid(id)) throw new NotFoundError('Change request not found');
    const rows = await em.execute<Row[]>(`${CR_SELECT} where c.id = ? for update`, [id]);
    if (!rows[0]) throw new NotFoundError('Change request not found');
    const cr = toCr(rows[0]);
    if (cr.status !== 'PENDING') reject('NOT_PENDING', `The change request is already ${cr.status}`, 'id');
    if (cr.makerId === checkerId) reject('SELF_APPROVAL', 'The maker of a change request cannot decide on it; another checker must', 'id');
    return cr;
  }

  private async refuseIfPending(em: Em, versionId: string): Promise<void> {
    const rows = await em.execute<Row[]>(`select id from change_requests where version_id = ? and status = 'PENDING'`, [versionId]);
    if (rows.length) reject('VERSION_PENDING_APPROVAL', 'The version awaits approval of its publication; reject the request first', 'versionId');
  }

  private async insertVersion(em: Em, tenantId: string, productId: string, terms: ProductTerms, userId: string): Promise<string> {
    const id = crypto.randomUUID();
    await em.execute(
      `insert into product_versions (id, tenant_id, product_id, number, terms, created_by)
       values (?, ?, ?, (select coalesce(max(number), 0) + 1 from product_versions where product_id = ?), ?::jsonb, ?)`,
      [id, tenantId, productId, productId, JSON.stringify(terms), userId],
    );
    return id;
  }

  private async insertRequest(em: Em, caller: Caller, kind: ChangeKind, productId: string, versionId: string | null): Promise<string> {
    const id = crypto.randomUUID();
    const user = caller.auth as { tenantId: string; userId: string };
    const inserted = await em.execute<Row[]>(
      `insert into change_requests (id, tenant_id, kind, product_id, version_id, maker_id) values (?, ?, ?, ?, ?, ?) on conflict do nothing returning id`,
      [id, user.tenantId, kind, productId, versionId, user.userId],
    );
    if (!inserted.length) reject('ALREADY_PENDING', 'An identical change request is already pending', versionId ? 'versionId' : 'productId');
    await this.outbox.publish(em, 'lending.change_request.created', { changeRequestId: id, kind, productId, versionId, makerId: user.userId }, { tenantId: user.tenantId, actor: actorOf(caller), requestId: caller.requestId });
    return id;
  }

  private async versionMutation(tenantId: string, work: (em: Em) => Promise<string>): Promise<VersionPayload> {
    try {
      return await this.tx(tenantId, async (em) => ({ version: (await this.versionIn(em, await work(em)))!, userErrors: [] }));
    } catch (e) {
      if (e instanceof Rejected) return { version: null, userErrors: e.userErrors };
      if (isUniqueViolation(e)) return { version: null, userErrors: [userError('DRAFT_EXISTS', 'The product already has a draft version', 'productId')] };
      throw e;
    }
  }

  private async crMutation(tenantId: string, work: (em: Em) => Promise<string>): Promise<ChangeRequestPayload> {
    try {
      return await this.tx(tenantId, async (em) => {
        const id = await work(em);
        return { changeRequest: toCr((await em.execute<Row[]>(`${CR_SELECT} where c.id = ?`, [id]))[0]!), userErrors: [] };
      });
    } catch (e) {
      if (e instanceof Rejected) return { changeRequest: null, userErrors: e.userErrors };
      if (isUniqueViolation(e)) return { changeRequest: null, userErrors: [userError('ALREADY_PENDING', 'An identical change request is already pending', null)] };
      throw e;
    }
  }

  canReadProducts(auth: AuthContext): boolean {
    return hasRole(auth, ...PRODUCT_READERS);
  }
}
