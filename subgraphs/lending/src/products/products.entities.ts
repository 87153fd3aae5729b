/**
 * MikroORM entities of the product catalogue (CRUD-shaped tables: a product, its versions, the
 * change requests that publish or archive them). Declared with `defineEntity` because tsx emits no
 * decorator metadata. Only the products store uses them; services and resolvers see the plain
 * domain types of products.service.ts.
 */
import { defineEntity } from '@mikro-orm/core';
import type { StoredTerms } from './terms';

const NOW_MS = "date_trunc('milliseconds', clock_timestamp())";

export const CreditProductEntity = defineEntity({
  name: 'CreditProductEntity',
  tableName: 'credit_products',
  properties: (p) => ({
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    code: p.text(),
    name: p.text(),
    currency: p.character().length(3),
    status: p.enum(['ACTIVE', 'ARCHIVED'] as const).default('ACTIVE'),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw(NOW_MS),
    archivedAt: p.datetime().nullable(),
  }),
});

export const ProductVersionEntity = defineEntity({
  name: 'ProductVersionEntity',
  tableName: 'product_versions',
  properties: (p) => ({
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    product: p.manyToOne(CreditProductEntity).mapToPk(),
    number: p.integer(),
    status: p.enum(['DRAFT', 'PUBLISHED', 'ARCHIVED', 'DISCARDED'] as const).default('DRAFT'),
    terms: p.json<StoredTerms>(),
    createdBy: p.uuid().nullable(),
    createdAt: p.datetime().defaultRaw(NOW_MS),
    publishedAt: p.datetime().nullable(),
    archivedAt: p.datetime().nullable(),
  }),
});

export const ChangeRequestEntity = defineEntity({
  name: 'ChangeRequestEntity',
  tableName: 'change_requests',
  properties: (p) => ({
    id: p.uuid().primary(),
    tenantId: p.uuid(),
    kind: p.enum(['PUBLISH_VERSION', 'ARCHIVE_PRODUCT'] as const),
    product: p.manyToOne(CreditProductEntity).mapToPk(),
    version: p.manyToOne(ProductVersionEntity).mapToPk().nullable(),
    status: p.enum(['PENDING', 'APPROVED', 'REJECTED'] as const).default('PENDING'),
    makerId: p.uuid(),
    checkerId: p.uuid().nullable(),
    reason: p.text().nullable(),
    createdAt: p.datetime().defaultRaw(NOW_MS),
    decidedAt: p.datetime().nullable(),
  }),
});

export const productEntities = [CreditProductEntity, ProductVersionEntity, ChangeRequestEntity];
