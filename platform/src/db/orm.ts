/**
 * MikroORM setup for one subgraph: its own schema, its own role, committed migrations.
 * Entities are declared with `EntitySchema` (tsx emits no decorator metadata); queries that need
 * exact SQL (RLS-scoped aggregates, keyset pagination) go through `em.execute` on the same
 * transaction. See docs/adr/0002-orm-usage.md.
 */
import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { EntitySchema, MigrationObject } from '@mikro-orm/core';
import { ensureDatabase, ensureSubgraphSchema } from './provision';
import { logger } from '../logger';

export type Orm = MikroORM;
export { MikroORM };

export interface SubgraphOrmOptions {
  /** Admin (provisioning) connection URL; the database in it is created if missing. */
  adminUrl: string;
  schema: string;
  entities?: EntitySchema<any, any>[];
  migrations: MigrationObject[];
  poolMax?: number;
}

export async function createSubgraphOrm(options: SubgraphOrmOptions): Promise<Orm> {
  await ensureDatabase(options.adminUrl);
  const identity = await ensureSubgraphSchema(options.adminUrl, options.schema);
  const config: Options = {
    clientUrl: identity.url,
    schema: options.schema,
    entities: options.entities ?? [],
    discovery: { warnWhenNoEntities: false },
    extensions: [Migrator],
    pool: { min: 0, max: options.poolMax ?? 10 },
    allowGlobalContext: false,
    debug: false,
    logger: (message: string) => logger.debug({ orm: options.schema }, message),
    migrations: {
      tableName: 'mikro_orm_migrations',
      migrationsList: options.migrations,
      transactional: true,
      allOrNothing: true,
      snapshot: false,
    },
  };
  const orm = await MikroORM.init(config);
  const migrator = orm.getMigrator();
  // Two replicas starting together must not run the same migration twice.
  const knex = orm.em.getConnection().getKnex();
  await knex.transaction(async (trx) => {
    await trx.raw('select pg_advisory_xact_lock(hashtext(?))', [`imagy-migrate:${options.schema}`]);
    const pending = await migrator.getPendingMigrations();
    if (pending.length > 0) {
      logger.info({ schema: options.schema, pending: pending.map((m) => m.name) }, 'running migrations');
      await migrator.up();
    }
  });
  return orm;
}
