/**
 * Persistence of the product catalogue through MikroORM entities and the unit of work
 * (products.entities.ts). Every function takes the `em` of the caller's tenant-scoped transaction
 * (`inTenantTx`), so RLS applies to every statement the ORM sends and a flush happens on that
 * transaction's connection. Returns the plain domain types of products.service.ts.
 *
 * Writes flush explicitly where the caller needs the database's answer at once: the created row's
 * `created_at` (a DB default, read back through RETURNING), or a unique violation that must become a
 * userError (code taken, a second pending request) instead of failing the whole transaction later.
 */
import crypto from 'node:crypto';
import { LockMode, UniqueConstraintViolationException, type FilterQuery, type InferEntity } from '@mikro-orm/core';
import type { Em } from '@imagy/platform/db';
import type { ChangeKind, ChangeRequest, ChangeStatus, CreditProduct, ProductVersion } from './products.service';
import { ChangeRequestEntity, CreditProductEntity, ProductVersionEntity } from './products.entities';
import { withTermDefaults, type ProductTerms } from './terms';

type ProductRow = InferEntity<typeof CreditProductEntity>;
type VersionRow = InferEntity<typeof ProductVersionEntity>;
type RequestRow = InferEntity<typeof ChangeRequestEntity>;

const isoOrNull = (d: Date | null | undefined) => (d ? d.toISOString() : null);

const toProduct = (e: ProductRow): CreditProduct => ({
  id: e.id, tenantId: e.tenantId, code: e.code, name: e.name, currency: e.currency.trim(), status: e.status,
  createdAt: e.createdAt.toISOString(), archivedAt: isoOrNull(e.archivedAt),
});
const toVersion = (e: VersionRow): ProductVersion => ({
  id: e.id, tenantId: e.tenantId, productId: e.product, number: e.number, status: e.status, terms: withTermDefaults(e.terms),
  createdBy: e.createdBy ?? null, createdAt: e.createdAt.toISOString(), publishedAt: isoOrNull(e.publishedAt), archivedAt: isoOrNull(e.archivedAt),
});
const toRequest = (e: RequestRow): ChangeRequest => ({
  id: e.id, tenantId: e.tenantId, kind: e.kind, productId: e.product, versionId: e.version ?? null, status: e.status, makerId: e.makerId,
  checkerId: e.checkerId ?? null, reason: e.reason ?? null, createdAt: e.createdAt.toISOString(), decidedAt: isoOrNull(e.decidedAt),
});

/** A keyset position (created_at, id) of a list ordered oldest first. */
export interface Keyset { createdAt: string; id: string }
const after = (k: Keyset | null) => (k ? { $or: [{ createdAt: { $gt: new Date(k.createdAt) } }, { createdAt: new Date(k.createdAt), id: { $gt: k.id } }] } : {});
const OLDEST_FIRST = { createdAt: 'asc', id: 'asc' } as const;
const lockOf = (lock: boolean) => (lock ? { lockMode: LockMode.PESSIMISTIC_WRITE } : {});

// ---- reads ----
export async function productsByIds(em: Em, ids: string[]): Promise<CreditProduct[]> {
  return (await em.find(CreditProductEntity, { id: { $in: ids } })).map(toProduct);
}
export async function versionsByIds(em: Em, ids: string[]): Promise<ProductVersion[]> {
  return (await em.find(ProductVersionEntity, { id: { $in: ids } })).map(toVersion);
}
export async function versionsOfProducts(em: Em, productIds: string[]): Promise<ProductVersion[]> {
  return (await em.find(ProductVersionEntity, { product: { $in: productIds } }, { orderBy: { product: 'asc', number: 'asc' } })).map(toVersion);
}
export async function pendingRequestsOfProducts(em: Em, productIds: string[]): Promise<ChangeRequest[]> {
  return (await em.find(ChangeRequestEntity, { product: { $in: productIds }, status: 'PENDING' }, { orderBy: OLDEST_FIRST })).map(toRequest);
}

export async function listProducts(em: Em, from: Keyset | null, limit: number): Promise<CreditProduct[]> {
  return (await em.find(CreditProductEntity, after(from), { orderBy: OLDEST_FIRST, limit })).map(toProduct);
}
export async function listRequests(em: Em, status: ChangeStatus | null, from: Keyset | null, limit: number): Promise<ChangeRequest[]> {
  const where: FilterQuery<RequestRow> = { ...after(from), ...(status ? { status } : {}) };
  return (await em.find(ChangeRequestEntity, where, { orderBy: OLDEST_FIRST, limit })).map(toRequest);
}

export async function activeProductByCode(em: Em, code: string): Promise<CreditProduct | null> {
  const e = await em.findOne(CreditProductEntity, { code, status: 'ACTIVE' });
  return e ? toProduct(e) : null;
}
export async function publishedVersionOf(em: Em, productId: string): Promise<ProductVersion | null> {
  const e = await em.findOne(ProductVersionEntity, { product: productId, status: 'PUBLISHED' });
  return e ? toVersion(e) : null;
}
/** Every ACTIVE product with its PUBLISHED version (products without one are left out): two statements. */
export async function publishedProducts(em: Em): Promise<{ product: CreditProduct; version: ProductVersion }[]> {
  const products = await em.find(CreditProductEntity, { status: 'ACTIVE' });
  if (products.length === 0) return [];
  const versions = new Map((await em.find(ProductVersionEntity, { product: { $in: products.map((p) => p.id) }, status: 'PUBLISHED' })).map((v) => [v.product, toVersion(v)]));
  return products.flatMap((p) => { const version = versions.get(p.id); return version ? [{ product: toProduct(p), version }] : []; });
}
/** The version a new draft copies by default: the published one, else the latest not discarded. */
export async function latestCopyableVersion(em: Em, productId: string): Promise<ProductVersion | null> {
  const versions = await em.find(ProductVersionEntity, { product: productId, status: { $ne: 'DISCARDED' } }, { orderBy: { number: 'desc' } });
  const chosen = versions.find((v) => v.status === 'PUBLISHED') ?? versions[0];
  return chosen ? toVersion(chosen) : null;
}
export async function hasDraft(em: Em, productId: string): Promise<boolean> {
  return (await em.count(ProductVersionEntity, { product: productId, status: 'DRAFT' })) > 0;
}
export async function hasPendingRequestFor(em: Em, versionId: string): Promise<boolean> {
  return (await em.count(ChangeRequestEntity, { version: versionId, status: 'PENDING' })) > 0;
}

/** `lock` takes the row lock (`for update`) for the rest of the transaction. */
export async function productById(em: Em, id: string, lock = false): Promise<CreditProduct | null> {
  const e = await em.findOne(CreditProductEntity, { id }, lockOf(lock));
  return e ? toProduct(e) : null;
}
export async function versionById(em: Em, id: string, lock = false): Promise<ProductVersion | null> {
  const e = await em.findOne(ProductVersionEntity, { id }, lockOf(lock));
  return e ? toVersion(e) : null;
}
export async function requestById(em: Em, id: string, lock = false): Promise<ChangeRequest | null> {
  const e = await em.findOne(ChangeRequestEntity, { id }, lockOf(lock));
  return e ? toRequest(e) : null;
}

// ---- writes ----
const isUnique = (e: unknown) => e instanceof UniqueConstraintViolationException;

/** A product with its first draft version; null when the code is taken in this tenant. */
export async function insertProduct(
  em: Em, p: { tenantId: string; code: string; name: string; currency: string; terms: ProductTerms; userId: string },
): Promise<{ product: CreditProduct; version: ProductVersion } | null> {
  const product = em.create(CreditProductEntity, { id: crypto.randomUUID(), tenantId: p.tenantId, code: p.code, name: p.name, currency: p.currency, createdBy: p.userId });
  const version = em.create(ProductVersionEntity, { id: crypto.randomUUID(), tenantId: p.tenantId, product: product.id, number: 1, terms: p.terms, createdBy: p.userId });
  try {
    await em.flush();
  } catch (e) {
    if (isUnique(e)) return null;
    throw e;
  }
  return { product: toProduct(product), version: toVersion(version) };
}

/** A new draft numbered after the product's last version (the caller holds the product's row lock). */
export async function insertDraft(em: Em, p: { tenantId: string; productId: string; terms: ProductTerms; userId: string }): Promise<ProductVersion> {
  const last = await em.findOne(ProductVersionEntity, { product: p.productId }, { orderBy: { number: 'desc' } });
  const version = em.create(ProductVersionEntity, { id: crypto.randomUUID(), tenantId: p.tenantId, product: p.productId, number: (last?.number ?? 0) + 1, terms: p.terms, createdBy: p.userId });
  await em.flush();
  return toVersion(version);
}

export async function updateDraftTerms(em: Em, versionId: string, terms: ProductTerms): Promise<void> {
  const v = await em.findOneOrFail(ProductVersionEntity, { id: versionId });
  v.terms = terms;
  await em.flush();
}

export async function discardVersion(em: Em, versionId: string): Promise<void> {
  const v = await em.findOneOrFail(ProductVersionEntity, { id: versionId });
  v.status = 'DISCARDED';
  await em.flush();
}

/**
 * Publishes `versionId` and archives the product's previously published version. Two flushes: the
 * one-published-per-product unique index is checked row by row, so the old version must leave
 * PUBLISHED before the new one enters it.
 */
export async function publishVersion(em: Em, productId: string, versionId: string, at: Date): Promise<void> {
  for (const old of await em.find(ProductVersionEntity, { product: productId, status: 'PUBLISHED' })) {
    old.status = 'ARCHIVED';
    old.archivedAt = at;
  }
  await em.flush();
  const v = await em.findOneOrFail(ProductVersionEntity, { id: versionId });
  v.status = 'PUBLISHED';
  v.publishedAt = at;
  await em.flush();
}

/** Archives the product, discards its draft and rejects its other pending requests. */
export async function archiveProduct(em: Em, productId: string, decidingRequestId: string, checkerId: string, at: Date): Promise<void> {
  const product = await em.findOneOrFail(CreditProductEntity, { id: productId });
  product.status = 'ARCHIVED';
  product.archivedAt = at;
  for (const draft of await em.find(ProductVersionEntity, { product: productId, status: 'DRAFT' })) draft.status = 'DISCARDED';
  for (const other of await em.find(ChangeRequestEntity, { product: productId, status: 'PENDING', id: { $ne: decidingRequestId } })) {
    Object.assign(other, { status: 'REJECTED', checkerId, reason: 'product archived', decidedAt: at });
  }
  await em.flush();
}

/** A PENDING change request; null when an identical one is already pending. */
export async function insertRequest(
  em: Em, p: { tenantId: string; kind: ChangeKind; productId: string; versionId: string | null; makerId: string },
): Promise<ChangeRequest | null> {
  const cr = em.create(ChangeRequestEntity, { id: crypto.randomUUID(), tenantId: p.tenantId, kind: p.kind, product: p.productId, version: p.versionId, makerId: p.makerId });
  try {
    await em.flush();
  } catch (e) {
    if (isUnique(e)) return null;
    throw e;
  }
  return toRequest(cr);
}

export async function decideRequest(em: Em, id: string, decision: { status: 'APPROVED' | 'REJECTED'; checkerId: string; reason?: string | null; at: Date }): Promise<ChangeRequest> {
  const cr = await em.findOneOrFail(ChangeRequestEntity, { id });
  cr.status = decision.status;
  cr.checkerId = decision.checkerId;
  if (decision.reason !== undefined) cr.reason = decision.reason;
  cr.decidedAt = decision.at;
  await em.flush();
  return toRequest(cr);
}
