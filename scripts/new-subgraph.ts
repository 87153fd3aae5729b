/**
 * The scaffold (seed 0.10, "plantilla de servicio"): writes a new subgraph on the platform skeleton
 * and registers it everywhere a subgraph must be known.
 *
 *   npm run new:subgraph -- <name> --port <n> [--root <dir>] [--no-register]
 *
 * Writes subgraphs/<name>/ with the same layout as every subgraph: schema.graphql (one sample
 * entity, `<Pascal>Item`, a Relay connection and a create mutation with userErrors), README.md,
 * package.json, src/{main,app,context}.ts, src/items/{items.store,items.service,items.resolvers,
 * items.loaders}.ts, src/i18n/messages.ts (+ its test), migrations/ (a tenant table under forced RLS)
 * and test/items.integration.test.ts (tenant B can neither read nor write tenant A's row).
 * Then it registers the subgraph in rover.yaml (npm start and the e2e read it from there) and
 * docker-compose.yml, and regenerates its resolver types and the composed supergraph
 * (`--no-register` skips all of that, for a dry look at the files).
 *
 * Rename `Item` to your first real entity before you build on it; the sample exists so the first
 * commit already composes, type-checks and proves tenant isolation.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from '@graphql-codegen/cli';
import { codegenConfig } from '../codegen';
import { composeSupergraph } from '../schema/compose';

const NAME = /^[a-z][a-z0-9]{1,30}$/;

export interface ScaffoldOptions { name: string; port: number; root: string; register: boolean }

const pascal = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

export function scaffoldFiles(name: string, port: number): Record<string, string> {
  const P = pascal(name);
  const entity = `${P}Item`;
  const q = (s: string) => s.replaceAll('__name__', name).replaceAll('__Pascal__', P).replaceAll('__Entity__', entity).replaceAll('__port__', String(port));
  const files: Record<string, string> = {
    'package.json': `${JSON.stringify({ name: `@imagy/${name}`, version: '0.1.0', private: true, main: 'src/main.ts', scripts: { start: 'tsx src/main.ts' }, dependencies: { '@imagy/platform': '0.1.0', dataloader: '2.2.3', graphql: '16.11.0' } }, null, 2)}\n`,

    'schema.graphql': q(`extend schema
  @link(url: "https://specs.apollo.dev/federation/v2.9", import: ["@key", "@shareable", "@listSize"])

"""ISO 8601 date-time with offset, e.g. 2025-01-31T10:00:00.000Z."""
scalar DateTime

type Query {
  """The caller's tenant's items, newest first. Sample entity of the scaffold: rename it."""
  __name__Items(first: Int = 20, after: String): __Entity__Connection! @listSize(assumedSize: 20, slicingArguments: ["first"], sizedFields: ["edges"], requireOneSlicingArgument: false)
  """One item by id; null when it does not exist or belongs to another tenant."""
  __name__Item(id: ID!): __Entity__
}

type Mutation {
  """Creates an item in the caller's tenant (roles tenant_admin or staff)."""
  create__Entity__(input: Create__Entity__Input!): Create__Entity__Payload!
}

type __Entity__ @key(fields: "id") {
  id: ID!
  name: String!
  createdAt: DateTime!
}

type __Entity__Edge {
  cursor: String!
  node: __Entity__!
}

type __Entity__Connection {
  edges: [__Entity__Edge!]!
  pageInfo: PageInfo!
}

input Create__Entity__Input {
  """1 to 120 characters of plain text."""
  name: String!
}

type Create__Entity__Payload {
  item: __Entity__
  userErrors: [UserError!]!
}

type UserError @shareable {
  code: String!
  message: String!
  field: String
}

type PageInfo @shareable {
  hasNextPage: Boolean!
  hasPreviousPage: Boolean!
  startCursor: String
  endCursor: String
}
`),

    'README.md': q(`# __name__ subgraph

Made by \`npm run new:subgraph -- __name__ --port __port__\` (platform skeleton, see platform/README.md).
Port __port__: http://localhost:__port__/graphql (\`/health\`, \`/ready\`, \`/metrics\`).

## Entities

| entity | owner | notes |
|---|---|---|
| \`__Entity__\` | this subgraph, key \`id\` | sample entity of the scaffold: table \`__name__.items\`, tenant-owned, RLS forced |

## Operations

| operation | who | what |
|---|---|---|
| \`__name__Items(first, after)\` | any user of the tenant | the tenant's items, newest first (Relay connection, at most 100 a page) |
| \`__name__Item(id)\` | any user of the tenant | one item; null for another tenant's id |
| \`create__Entity__(input)\` | tenant_admin, staff | creates an item; \`userErrors\`: NAME_REQUIRED, NAME_TOO_LONG, NAME_NOT_PLAIN_TEXT |

## Events

- Out: none yet (publish through \`runtime.outbox\` in the same transaction as the change, and add the
  subject to platform/src/events/catalogue.ts).
- In: none yet (one \`src/events/on-<event>.ts\` per consumed event, registered in \`consumers\`).

## Tests

\`test/items.integration.test.ts\` on the real PostgreSQL: tenant B can neither read nor write tenant A's row.
`),

    'src/main.ts': q(`/** The __name__ subgraph as a process (environment: platform/src/server/process.ts). */
import { runSubgraphProcess } from '@imagy/platform/server';
import { __name__ } from './app';

void runSubgraphProcess(__name__);
`),

    'src/context.ts': q(`/** What __name__'s resolvers see per request (graphql-codegen's contextType points here). */
import type { BaseContext } from '@imagy/platform/server';
import type { Caller } from '@imagy/platform/server';
import type { LocaleContext } from '@imagy/platform/graphql';
import type { ItemsService } from './items/items.service';
import type { ItemLoaders } from './items/items.loaders';

export interface __Pascal__Services {
  items: ItemsService;
}

export interface __Pascal__Extra {
  caller: Caller;
  services: __Pascal__Services;
  loaders: ItemLoaders;
}

export type __Pascal__Context = BaseContext & __Pascal__Extra & LocaleContext;
`),

    'src/app.ts': q(`/**
 * The __name__ subgraph on the platform skeleton: its definition (main.ts runs it as a process) and
 * start__Pascal__(), the in-process starter of tests and the e2e harness.
 */
import path from 'node:path';
import { catalogueIn, combineResolvers, DateTimeScalar, inputTextPlugin, userErrorResolvers } from '@imagy/platform/graphql';
import { defineSubgraph, startSubgraphInstance, type SubgraphInstanceDeps } from '@imagy/platform/server';
import { migrations } from '../migrations';
import type { Resolvers } from './__generated__/graphql';
import type { __Pascal__Extra, __Pascal__Services } from './context';
import { messages } from './i18n/messages';
import { createItemLoaders } from './items/items.loaders';
import { itemResolvers } from './items/items.resolvers';
import { ItemsService } from './items/items.service';

export const resolvers = combineResolvers<Resolvers>(itemResolvers, { DateTime: DateTimeScalar }, userErrorResolvers(messages));

export const __name__ = defineSubgraph<__Pascal__Services, __Pascal__Extra>({
  name: '__name__',
  port: __port__,
  schemaFile: path.join(__dirname, '..', 'schema.graphql'),
  migrations,
  relay: true,
  messages: catalogueIn(messages, 'es'),
  // NUL and lone surrogates in any String/ID argument are refused before a resolver runs (naming the
  // variable path): PostgreSQL cannot store them. Services still validate their own fields.
  plugins: [inputTextPlugin()],
  services: ({ orm }) => ({ items: new ItemsService(orm) }),
  resolvers,
  context: (base, { caller, services }) => ({ caller, services, loaders: createItemLoaders(services.items, base.auth) }),
});

export function start__Pascal__(deps: SubgraphInstanceDeps<undefined>) {
  return startSubgraphInstance(__name__, deps);
}
`),

    'src/items/items.store.ts': q(`/** All SQL of items: typed rows in, domain objects out. Runs inside the caller's tenant transaction (RLS). */
import { iso, jsonParam, UUID_ARRAY_PARAM, type Em } from '@imagy/platform/db';

export interface Item {
  id: string;
  tenantId: string;
  name: string;
  createdAt: string;
}

interface ItemRow { id: string; tenant_id: string; name: string; created_at: string }

const SELECT = \`select id, tenant_id, name, \${iso('created_at')} as created_at from items\`;
const toItem = (r: ItemRow): Item => ({ id: r.id, tenantId: r.tenant_id, name: r.name, createdAt: r.created_at });

export const itemsStore = {
  async insert(em: Em, item: { id: string; tenantId: string; name: string }): Promise<Item> {
    const rows = await em.execute<ItemRow[]>(\`insert into items (id, tenant_id, name) values (?, ?, ?) returning id, tenant_id, name, \${iso('created_at')} as created_at\`, [item.id, item.tenantId, item.name]);
    return toItem(rows[0]!);
  },

  async byIds(em: Em, ids: readonly string[]): Promise<Item[]> {
    if (ids.length === 0) return [];
    return (await em.execute<ItemRow[]>(\`\${SELECT} where id = any(\${UUID_ARRAY_PARAM})\`, [jsonParam(ids)])).map(toItem);
  },

  /** Newest first, keyset after (createdAt, id); one row more than the page to tell hasNextPage. */
  async page(em: Em, limit: number, after: { createdAt: string; id: string } | null): Promise<Item[]> {
    const rows = after
      ? await em.execute<ItemRow[]>(\`\${SELECT} where (created_at, id) < (?::timestamptz, ?::uuid) order by created_at desc, id desc limit ?\`, [after.createdAt, after.id, limit + 1])
      : await em.execute<ItemRow[]>(\`\${SELECT} order by created_at desc, id desc limit ?\`, [limit + 1]);
    return rows.map(toItem);
  },
};
`),

    'src/items/items.service.ts': q(`/** Rules of items: who may create them and what a name may be. Never builds SQL (items.store.ts does). */
import crypto from 'node:crypto';
import type { AuthContext } from '@imagy/platform/auth';
import { inTenantTx, isUuid, type Orm } from '@imagy/platform/db';
import { notPlainText, payload } from '@imagy/platform/graphql';
import { decodeCursor, pageSize, requireRole, requireUser, toConnection, type Caller, type Connection } from '@imagy/platform/server';
import type { Create__Entity__Input } from '../__generated__/graphql';
import { reject } from '../i18n/messages';
import { itemsStore, type Item } from './items.store';

export const ITEM_WRITERS = ['tenant_admin', 'staff'];
export const MAX_NAME = 120;

export class ItemsService {
  constructor(private readonly orm: Orm) {}

  async create(caller: Caller, input: Create__Entity__Input) {
    const auth = requireRole(caller.auth, ...ITEM_WRITERS);
    const name = input.name.trim();
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      if (!name) reject('NAME_REQUIRED', { field: 'name' });
      if (name.length > MAX_NAME) reject('NAME_TOO_LONG', { field: 'name', params: { max: MAX_NAME } });
      if (notPlainText(name)) reject('NAME_NOT_PLAIN_TEXT', { field: 'name' });
      return { item: await itemsStore.insert(em, { id: crypto.randomUUID(), tenantId: auth.tenantId!, name }) };
    }), { item: null });
  }

  /** For the DataLoader: one statement for many ids; RLS leaves another tenant's ids out. */
  async byIds(auth: AuthContext, ids: readonly string[]): Promise<(Item | null)[]> {
    const valid = ids.filter(isUuid);
    const found = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => itemsStore.byIds(em, valid));
    const byId = new Map(found.map((i) => [i.id, i]));
    return ids.map((id) => byId.get(id) ?? null);
  }

  async list(auth: AuthContext, args: { first?: number | null; after?: string | null }): Promise<Connection<Item>> {
    requireUser(auth);
    const limit = pageSize(args.first);
    const after = decodeCursor<{ createdAt: string; id: string }>(args.after);
    const rows = await inTenantTx(this.orm, { tenantId: auth.tenantId }, (em) => itemsStore.page(em, limit, after));
    return toConnection(rows, limit, (i) => ({ createdAt: i.createdAt, id: i.id }));
  }
}
`),

    'src/items/items.loaders.ts': q(`/** Per-request DataLoaders of items (a list of N references costs one SQL statement). */
import DataLoader from 'dataloader';
import type { AuthContext } from '@imagy/platform/auth';
import type { Item } from './items.store';
import type { ItemsService } from './items.service';

export function createItemLoaders(items: ItemsService, auth: AuthContext) {
  return { itemById: new DataLoader<string, Item | null>((ids) => items.byIds(auth, ids)) };
}

export type ItemLoaders = ReturnType<typeof createItemLoaders>;
`),

    'src/items/items.resolvers.ts': q(`/** Thin resolvers: arguments in, service or loader out. */
import { requireUser } from '@imagy/platform/server';
import type { Resolvers } from '../__generated__/graphql';

export const itemResolvers: Resolvers = {
  Query: {
    __name__Items: (_parent, args, ctx) => ctx.services.items.list(ctx.auth, args),
    __name__Item: (_parent, { id }, ctx) => {
      requireUser(ctx.auth);
      return ctx.loaders.itemById.load(id);
    },
  },
  Mutation: {
    create__Entity__: (_parent, { input }, ctx) => ctx.services.items.create(ctx.caller, input),
  },
  __Entity__: {
    __resolveReference: (ref, ctx) => (ctx.auth.kind === 'anonymous' ? null : ctx.loaders.itemById.load(ref.id)),
  },
};
`),

    'src/i18n/messages.ts': q(`/**
 * Every code __name__ answers in userErrors, with its English and Spanish text (the only place
 * either is written); \`{params}\` are filled from the error's params in both languages.
 */
import { defineMessages, userErrors, type CodeOf } from '@imagy/platform/graphql';

export const messages = defineMessages({
  NAME_REQUIRED: { en: 'The name is required', es: 'El nombre es obligatorio.' },
  NAME_TOO_LONG: { en: 'The name must have at most {max} characters', es: 'El nombre debe tener como máximo {max} caracteres.' },
  NAME_NOT_PLAIN_TEXT: { en: 'The name must be plain text (no control or invisible direction characters)', es: 'El nombre debe ser texto simple (sin caracteres de control ni de dirección invisibles).' },
});

export type __Pascal__ErrorCode = CodeOf<typeof messages>;

export const { userError, reject } = userErrors(messages);
`),

    'src/i18n/messages.test.ts': q(`import { testMessageCatalogue } from '@imagy/platform/graphql/testing';
import { messages } from './messages';

testMessageCatalogue('__name__', messages);
`),

    'migrations/index.ts': q(`/** __name__'s migrations, in order (committed; run under an advisory lock at start). */
import { Init__Pascal__ } from './0001-init';

export const migrations = [{ name: 'Init__Pascal__', class: Init__Pascal__ }];
`),

    'migrations/0001-init.ts': q(`/** The sample tenant table: RLS enabled and forced (tenantRlsSql), an index for the newest-first page. */
import { Migration, tenantRlsSql } from '@imagy/platform/db';
import { eventTablesSql } from '@imagy/platform/events';

export class Init__Pascal__ extends Migration {
  override async up(): Promise<void> {
    for (const s of eventTablesSql()) this.addSql(s);
    this.addSql(\`create table items (
      id uuid primary key,
      tenant_id uuid not null,
      name text not null check (length(name) between 1 and 120),
      created_at timestamptz not null default clock_timestamp()
    )\`);
    this.addSql('create index items_newest on items (tenant_id, created_at desc, id desc)');
    for (const s of tenantRlsSql('items')) this.addSql(s);
  }

  override async down(): Promise<void> {
    this.addSql('drop table if exists items');
  }
}
`),

    'test/items.integration.test.ts': q(`import crypto from 'node:crypto';
import { createTestBus, createTestDb, createTestIssuer, gql, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { start__Pascal__ } from '../src/app';

const CREATE = \`mutation($input: Create__Entity__Input!) { create__Entity__(input: $input) { item { id name } userErrors { code message field } } }\`;
const ONE = \`query($id: ID!) { __name__Item(id: $id) { id name } }\`;
const LIST = \`{ __name__Items(first: 10) { edges { node { id name } } } }\`;

describe('__name__ items', () => {
  let db: TestDb;
  let bus: TestBus;
  let issuer: TestIssuer;
  let running: Awaited<ReturnType<typeof start__Pascal__>>;
  const tenantA = crypto.randomUUID();
  const tenantB = crypto.randomUUID();
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    db = await createTestDb('__name__');
    bus = await createTestBus();
    issuer = await createTestIssuer();
    running = await start__Pascal__({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, });
    tokenA = await issuer.mint({ tenantId: tenantA, roles: ['tenant_admin'] });
    tokenB = await issuer.mint({ tenantId: tenantB, roles: ['tenant_admin'] });
  });

  afterAll(async () => {
    await running?.stop();
    await bus?.close();
    await db?.drop();
  });

  test('a tenant admin creates an item and reads it back; a bad name is a userError in either language', async () => {
    const created = await gql(running.url, CREATE, { input: { name: 'first' } }, { token: tokenA });
    expect(created.data.create__Entity__).toEqual({ item: { id: expect.any(String), name: 'first' }, userErrors: [] });
    const long = await gql(running.url, CREATE, { input: { name: 'x'.repeat(121) } }, { token: tokenA, headers: { 'accept-language': 'es' } });
    expect(long.data.create__Entity__).toEqual({ item: null, userErrors: [{ code: 'NAME_TOO_LONG', message: 'El nombre debe tener como máximo 120 caracteres.', field: 'name' }] });
  });

  test("tenant B can neither read nor write tenant A's row", async () => {
    const created = await gql(running.url, CREATE, { input: { name: 'only for A' } }, { token: tokenA });
    const id = created.data.create__Entity__.item.id as string;
    expect((await gql(running.url, ONE, { id }, { token: tokenA })).data.__name__Item).toEqual({ id, name: 'only for A' });
    expect((await gql(running.url, ONE, { id }, { token: tokenB })).data.__name__Item).toBeNull();
    expect((await gql(running.url, LIST, {}, { token: tokenB })).data.__name__Items.edges).toEqual([]);

    // Below the API: as the subgraph's own role, with tenant B set, A's row can be neither updated nor deleted.
    const em = running.orm.em.fork();
    const touched = await em.transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [tenantB]);
      const updated = await tx.execute<{ id: string }[]>("update items set name = 'taken' where id = ? returning id", [id]);
      const deleted = await tx.execute<{ id: string }[]>('delete from items where id = ? returning id', [id]);
      return updated.length + deleted.length;
    });
    expect(touched).toBe(0);
    expect((await gql(running.url, ONE, { id }, { token: tokenA })).data.__name__Item).toEqual({ id, name: 'only for A' });
  });

  test('an anonymous caller is refused', async () => {
    const r = await gql(running.url, LIST, {});
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
`),
  };
  return files;
}

function registerInRover(root: string, name: string, port: number): void {
  const file = path.join(root, 'rover.yaml');
  const text = fs.readFileSync(file, 'utf8');
  if (new RegExp(`^  ${name}:`, 'm').test(text)) return;
  fs.writeFileSync(file, `${text.replace(/\n*$/, '\n')}  ${name}:\n    routing_url: http://localhost:${port}/graphql\n    schema:\n      file: ./subgraphs/${name}/schema.graphql\n`);
}

function registerInCompose(root: string, name: string, port: number): void {
  const file = path.join(root, 'docker-compose.yml');
  if (!fs.existsSync(file)) return;
  let text = fs.readFileSync(file, 'utf8');
  if (new RegExp(`^  ${name}:`, 'm').test(text)) return;
  const service = `  ${name}:\n    <<: *node\n    command: ["npx", "tsx", "subgraphs/${name}/src/main.ts"]\n    environment: { <<: *env, PORT: "${port}", HOST: "0.0.0.0" }\n    ports: ["${port}:${port}"]\n`;
  if (!/^  gateway:/m.test(text)) throw new Error('docker-compose.yml has no gateway service to insert before');
  text = text.replace(/^  gateway:/m, `${service}  gateway:`);
  text = text.replace(/^(\s+)(SUBGRAPH_[A-Z]+_URL: .*\n)(?!\s+SUBGRAPH_)/m, (m, indent: string) => `${m}${indent}SUBGRAPH_${name.toUpperCase()}_URL: http://${name}:${port}/graphql\n`);
  text = text.replace(/depends_on: \[([^\]]*)\]/, (_m, list: string) => `depends_on: [${list}, ${name}]`);
  fs.writeFileSync(file, text);
}

export async function scaffold(options: ScaffoldOptions): Promise<string[]> {
  const { name, port, root } = options;
  if (!NAME.test(name)) throw new Error(`the name must be 2-31 lowercase letters and digits, starting with a letter (got "${name}")`);
  if (!Number.isInteger(port) || port < 1024 || port > 65535) throw new Error(`--port must be an integer between 1024 and 65535`);
  const dir = path.join(root, 'subgraphs', name);
  if (fs.existsSync(dir)) throw new Error(`subgraphs/${name} already exists`);
  const rover = path.join(root, 'rover.yaml');
  if (fs.existsSync(rover) && new RegExp(`localhost:${port}/`).test(fs.readFileSync(rover, 'utf8'))) throw new Error(`port ${port} is already used by a subgraph in rover.yaml`);
  const written: string[] = [];
  for (const [rel, content] of Object.entries(scaffoldFiles(name, port))) {
    const file = path.join(dir, rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
    written.push(path.relative(root, file));
  }
  if (options.register) {
    registerInRover(root, name, port);
    registerInCompose(root, name, port);
    // The same generation `npm run codegen` and `npm run compose` do, for this root.
    await generate({ ...codegenConfig(root), cwd: root }, true);
    fs.mkdirSync(path.join(root, 'schema'), { recursive: true });
    fs.writeFileSync(path.join(root, 'schema', 'supergraph.graphql'), composeSupergraph(path.join(root, 'rover.yaml')));
  }
  return written;
}

if (require.main === module) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { port: { type: 'string' }, root: { type: 'string' }, 'no-register': { type: 'boolean', default: false } } });
  const name = positionals[0];
  const run = async () => {
    if (!name || !values.port) throw new Error('usage: npm run new:subgraph -- <name> --port <n> [--root <dir>] [--no-register]');
    const root = path.resolve(values.root ?? path.join(__dirname, '..'));
    const written = await scaffold({ name, port: Number(values.port), root, register: !values['no-register'] });
    process.stdout.write(`wrote ${written.length} files under subgraphs/${name}; registered in rover.yaml and docker-compose.yml; types generated and supergraph composed.\n`
      + `Next: npm install (links the new workspace), rename the sample entity, npm run codegen && npm run compose, npx jest subgraphs/${name}\n`);
  };
  run().catch((e: unknown) => {
    process.stderr.write(`new:subgraph: ${(e as Error).message}\n`);
    process.exit(2);
  });
}
