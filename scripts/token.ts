/**
 * Prints a valid access token for scripts, and nothing else on standard output:
 *   npm run -s token -- --tenant demo --roles tenant_admin,staff [--sub <user id>] [--ttl 3600] [--scopes a,b]
 * Signed by the local issuer's key (generated at first start into .imagy/keys). Without --sub, the
 * first user of the tenant holding one of the roles is used; scopes default to those identity derives
 * from the roles at login. Development tool: refuses to run with
 * NODE_ENV=production.
 */
import { Client } from 'pg';
import { parseArgs } from 'node:util';
import crypto from 'node:crypto';
import { loadOrCreateSigningKey, signToken } from '@imagy/platform/auth';
import { adminDatabaseUrl, env, isProduction } from '@imagy/platform/config';
import { scopesFor } from '../subgraphs/identity/src/auth/scopes';

async function main() {
  if (isProduction()) throw new Error('npm run token is a development tool and is disabled in production');
  const { values } = parseArgs({
    options: { tenant: { type: 'string' }, roles: { type: 'string', default: 'tenant_admin' }, sub: { type: 'string' }, ttl: { type: 'string', default: '1800' }, scopes: { type: 'string', default: '' } },
  });
  if (!values.tenant) throw new Error('Usage: npm run -s token -- --tenant <slug> --roles <r1,r2> [--sub <id>]');
  const roles = values.roles!.split(',').map((r) => r.trim()).filter(Boolean);
  const client = new Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    const tenant = await client.query<{ id: string }>('select id from identity.tenants where slug = $1', [values.tenant]);
    if (tenant.rowCount === 0) throw new Error(`No tenant with slug "${values.tenant}" (has npm start seeded it?)`);
    const tenantId = tenant.rows[0]!.id;
    let sub = values.sub;
    if (!sub) {
      const user = await client.query<{ id: string }>('select id from identity.users where tenant_id = $1 and roles && $2::text[] order by created_at limit 1', [tenantId, roles]);
      sub = user.rows[0]?.id ?? crypto.randomUUID();
    }
    const key = await loadOrCreateSigningKey();
    // Scopes as identity's login would derive them from the roles, unless given explicitly.
    const scope = values.scopes ? values.scopes.split(',').join(' ') : scopesFor(roles);
    const token = await signToken(key, { sub, tid: tenantId, roles, scope: scope || undefined }, {
      issuer: env('IMAGY_ISSUER', 'http://localhost:4000'),
      audience: env('IMAGY_AUDIENCE', 'imagy'),
      ttlSeconds: Number(values.ttl),
    });
    process.stdout.write(`${token}\n`);
  } finally {
    await client.end();
  }
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
