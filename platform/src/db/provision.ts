/**
 * Provisioning of one subgraph's database objects: its own schema and its own login role.
 * The role owns only its schema and is NOSUPERUSER NOBYPASSRLS, so Row Level Security applies to it
 * (tables are also FORCE ROW LEVEL SECURITY, which applies RLS even to the owner).
 */
import { Client } from 'pg';

const IDENT = /^[a-z_][a-z0-9_]{0,62}$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`Unsafe SQL identifier: ${name}`);
  return `"${name}"`;
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

export function withUser(url: string, user: string, password?: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password ?? '';
  return u.toString();
}

export function databaseName(url: string): string {
  return decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
}

/** Creates the database named in `adminUrl` if it does not exist (connecting to `postgres`). */
export async function ensureDatabase(adminUrl: string): Promise<void> {
  const name = databaseName(adminUrl);
  const client = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      try {
        await client.query(`create database ${ident(name)}`);
      } catch (e) {
        // Two processes starting together may race; "already exists" is the outcome we wanted.
        if ((e as { code?: string }).code !== '42P04') throw e;
      }
    }
  } finally {
    await client.end();
  }
}

export async function dropDatabase(adminUrl: string): Promise<void> {
  const name = databaseName(adminUrl);
  const client = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  await client.connect();
  try {
    await client.query(`drop database if exists ${ident(name)} with (force)`);
  } finally {
    await client.end();
  }
}

export interface SubgraphDbIdentity {
  schema: string;
  role: string;
  /** Connection URL for the subgraph's own role (what the app and its migrations use). */
  url: string;
}

/**
 * Ensures schema `<schema>` and role `imagy_<schema>` exist in the database of `adminUrl`.
 * Idempotent and safe to run at every start.
 */
export async function ensureSubgraphSchema(adminUrl: string, schema: string, password?: string): Promise<SubgraphDbIdentity> {
  const role = `imagy_${schema}`;
  // Roles are cluster-wide and advisory locks are scoped to the database they are taken in, so the lock
  // that serialises provisioning lives in the `postgres` database: two processes provisioning the same
  // role for two different databases (parallel test suites) failed with "tuple concurrently updated" on
  // `alter role`, and two subgraphs of one database on the shared ACL rows of the database and schema public.
  const lock = new Client({ connectionString: withDatabase(adminUrl, 'postgres') });
  const client = new Client({ connectionString: adminUrl });
  await lock.connect();
  try {
    await lock.query("select pg_advisory_lock(hashtext('imagy-provision'))");
    await client.connect();
    const found = await client.query<{ ok: boolean }>(
      'select rolcanlogin and not rolsuper and not rolbypassrls as ok from pg_roles where rolname = $1',
      [role],
    );
    const pw = password ? ` password '${password.replace(/'/g, "''")}'` : '';
    if (found.rowCount === 0) {
      await client.query(`create role ${ident(role)} login nosuperuser nobypassrls nocreatedb nocreaterole${pw}`);
    } else if (!found.rows[0].ok || pw) {
      await client.query(`alter role ${ident(role)} login nosuperuser nobypassrls${pw}`);
    }
    await client.query(`create schema if not exists ${ident(schema)} authorization ${ident(role)}`);
    await client.query(`grant connect on database ${ident(databaseName(adminUrl))} to ${ident(role)}`);
    await client.query(`revoke all on schema public from ${ident(role)}`);
    await client.query(`alter role ${ident(role)} in database ${ident(databaseName(adminUrl))} set search_path = ${ident(schema)}`);
  } finally {
    await client.end().catch(() => undefined);
    // Ending the session releases its advisory lock, also when a statement above failed.
    await lock.end();
  }
  const explicit = process.env[`${schema.toUpperCase()}_DATABASE_URL`];
  return { schema, role, url: explicit ?? withUser(adminUrl, role, password) };
}
