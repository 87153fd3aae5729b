/**
 * Our execution of @apollo/gateway's plans (fetch-batching.ts: fetches sent level by level, entity
 * fetches of a level to one subgraph merged into one request) must answer exactly what stock
 * @apollo/gateway answers. A synthetic federated graph of four real subgraphs (`@requires`,
 * `@provides`, a union of an entity and a value type, typed and untyped errors inside entity fetches,
 * a non-null field that fails, `@skip`/`@include` with variables, aliases, fragments reused across
 * branches) is served by three gateways over real HTTP:
 *
 *  - stock: plain `ApolloGateway` in `ApolloServer`, nothing of ours;
 *  - ours with fetch batching (the default), and ours with `fetchBatching: false` (stock's
 *    fetch-by-fetch execution, behind the same pipeline and error masking).
 *
 * Ours batched and unbatched must give the same bytes; ours and stock the same `data` and the same
 * errors (path, message and code; untyped subgraph errors are masked by ours by design, errors.ts,
 * so for those only the path and that they are masked are compared). The subgraphs count requests,
 * so the batching itself is checked too (fewer requests, never more).
 */
import { GraphQLError, parse } from 'graphql';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { ApolloGateway } from '@apollo/gateway';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { startGateway, type RunningGateway } from '../src/server';
import { TYPED_CODES } from '../src/errors';
import { fetchBatching } from '../src/fetch-batching';

const batchingCount = async (result: 'merged' | 'fallback') => (await fetchBatching.get()).values.find((v) => v.labels.result === result)?.value ?? 0;

const FED = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key", "@shareable", "@external", "@requires", "@provides"])';

const SDL = {
  accounts: `${FED}
    type User @key(fields: "id") { id: ID! name: String username: String @shareable birthYear: Int }
    type Query { users: [User!]! me: User }`,
  products: `${FED}
    type Product @key(fields: "upc") { upc: String! name: String price: Int weight: Int }
    type Query { topProducts(first: Int = 5): [Product!]! }`,
  inventory: `${FED}
    type Product @key(fields: "upc") {
      upc: String!
      price: Int @external
      weight: Int @external
      inStock: Boolean
      shippingEstimate: Int @requires(fields: "price weight")
      restockNote: String
      warehouse: String!
    }`,
  reviews: `${FED}
    type Review { id: ID! body: String rating: Int author: User @provides(fields: "username") product: Product }
    type User @key(fields: "id") { id: ID! username: String @external reviews(minRating: Int): [Review!]! }
    type Product @key(fields: "upc") { upc: String! reviews: [Review!]! }
    type Note { id: ID! text: String }
    union FeedItem = Review | Product | Note
    type Query { feed: [FeedItem!]! }`,
};

const users = [1, 2, 3, 4].map((i) => ({ id: `u${i}`, name: `User ${i}`, username: `user${i}`, birthYear: 1980 + i }));
const products = [1, 2, 3, 4, 5].map((i) => ({ upc: `p${i}`, name: `Product ${i}`, price: i * 100, weight: i * 10 }));
const reviews = Array.from({ length: 10 }, (_, i) => ({ id: `r${i}`, body: `Review ${i}`, rating: (i % 5) + 1, authorId: `u${(i % 4) + 1}`, upc: `p${(i % 5) + 1}` }));

const requests: Record<string, number> = { accounts: 0, products: 0, inventory: 0, reviews: 0 };
/** While set, the inventory subgraph refuses any document selecting `_entities` more than once (as a subgraph limit might). */
let refuseMergedDocuments = false;
const refuseMerged = {
  async requestDidStart() {
    return {
      async didResolveOperation(rc: { operation?: { selectionSet: { selections: readonly unknown[] } } | null }) {
        if (refuseMergedDocuments && (rc.operation?.selectionSet.selections.length ?? 0) > 1) {
          throw new GraphQLError('Operation too large', { extensions: { code: 'OPERATION_LIMIT_EXCEEDED', http: { status: 400 } } });
        }
      },
    };
  },
};
const totalRequests = () => Object.values(requests).reduce((a, b) => a + b, 0);

const resolvers: Record<keyof typeof SDL, object> = {
  accounts: {
    Query: { users: () => users, me: () => users[0] },
    User: { __resolveReference: (ref: { id: string }) => users.find((u) => u.id === ref.id) ?? null },
  },
  products: {
    Query: { topProducts: (_: unknown, args: { first: number }) => products.slice(0, args.first) },
    Product: { __resolveReference: (ref: { upc: string }) => products.find((p) => p.upc === ref.upc) ?? null },
  },
  inventory: {
    Product: {
      __resolveReference: (ref: { upc: string; price?: number; weight?: number }) => ref,
      inStock: (p: { upc: string }) => p.upc !== 'p2',
      shippingEstimate: (p: { price: number; weight: number }) => (p.price > 300 ? 0 : p.weight / 2),
      // A typed error (kept by our masking) on some entities of a merged level.
      restockNote: (p: { upc: string }) => {
        if (p.upc === 'p1' || p.upc === 'p4') throw new GraphQLError(`No restock data for ${p.upc}`, { extensions: { code: 'FORBIDDEN' } });
        return `restock ${p.upc}`;
      },
      // A non-null field failing with an untyped error: the entity is nulled.
      warehouse: (p: { upc: string }) => {
        if (p.upc === 'p3') throw new Error('warehouse database timeout');
        return `wh-${p.upc}`;
      },
    },
  },
  reviews: {
    Query: { feed: () => [{ __typename: 'Review', ...reviews[0] }, { __typename: 'Product', upc: 'p2' }, { __typename: 'Note', id: 'n1', text: 'hi' }, { __typename: 'Review', ...reviews[3] }] },
    FeedItem: { __resolveType: (o: { __typename: string }) => o.__typename },
    Review: {
      author: (r: { authorId: string }) => ({ id: r.authorId, username: `user${r.authorId.slice(1)}` }),
      product: (r: { upc: string }) => ({ upc: r.upc }),
    },
    User: {
      __resolveReference: (ref: { id: string }) => ({ id: ref.id }),
      reviews: (u: { id: string }, args: { minRating?: number }) => reviews.filter((r) => r.authorId === u.id && r.rating >= (args.minRating ?? 0)),
    },
    Product: {
      __resolveReference: (ref: { upc: string }) => ({ upc: ref.upc }),
      reviews: (p: { upc: string }) => reviews.filter((r) => r.upc === p.upc),
    },
  },
};

const QUERIES: Record<string, { query: string; variables?: Record<string, unknown> }> = {
  nested: {
    query: `query Nested {
      users { ...U reviews { ...R product { ...P reviews { ...R author { ...U reviews { ...R product { ...P } } } } } } }
      topProducts(first: 5) { ...P reviews { ...R author { ...U reviews { ...R product { ...P } } } } }
    }
    fragment U on User { id username name birthYear }
    fragment R on Review { id rating body }
    fragment P on Product { upc name price weight inStock shippingEstimate }`,
  },
  variables: {
    query: `query V($min: Int, $withStock: Boolean!) {
      users { id reviews(minRating: $min) { id product { upc inStock @include(if: $withStock) name @skip(if: $withStock) shippingEstimate } } }
      topProducts(first: 3) { upc inStock @skip(if: $withStock) }
    }`,
    variables: { min: 3, withStock: true },
  },
  variablesOff: {
    query: `query V($min: Int, $withStock: Boolean!) {
      users { id reviews(minRating: $min) { id product { upc inStock @include(if: $withStock) name @skip(if: $withStock) shippingEstimate } } }
      topProducts(first: 3) { upc inStock @skip(if: $withStock) }
    }`,
    variables: { min: 2, withStock: false },
  },
  typedErrors: {
    query: `{ topProducts { upc restockNote name } users { id reviews { id product { upc restockNote inStock } } } }`,
  },
  nonNullFailure: {
    query: `{ users { id reviews { id product { upc warehouse name inStock } } } topProducts { upc name } }`,
  },
  union: {
    query: `{ feed { __typename ... on Review { id author { name username } product { name inStock } } ... on Product { upc name shippingEstimate } ... on Note { text } } }`,
  },
  aliases: {
    query: `{ a: topProducts(first: 2) { __typename n: name s: shippingEstimate inStock } b: topProducts(first: 4) { upc stock: inStock reviews { who: author { n: name } } } me { name reviews { id } } }`,
  },
};

const TYPED = TYPED_CODES;

/** What must be equal between ours and stock: data, and each error's path, code and (typed) message. */
function comparable(body: { data?: unknown; errors?: { message: string; path?: unknown; extensions?: { code?: string } }[] }) {
  return {
    data: body.data,
    errors: body.errors?.map((e) => {
      const code = e.extensions?.code;
      return code && TYPED.has(code) ? { path: e.path, code, message: e.message } : { path: e.path, masked: true };
    }),
  };
}

async function post(url: string, body: object): Promise<{ status: number; text: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, text: await res.text() };
}

let subgraphs: ApolloServer[] = [];
let stock: { server: ApolloServer; url: string };
let batched: RunningGateway;
let unbatched: RunningGateway;

beforeAll(async () => {
  const services = [];
  for (const name of Object.keys(SDL) as (keyof typeof SDL)[]) {
    const typeDefs = parse(SDL[name]);
    const plugins = [ApolloServerPluginInlineTraceDisabled(), ...(name === 'inventory' ? [refuseMerged] : [])];
    const server = new ApolloServer({ schema: buildSubgraphSchema([{ typeDefs, resolvers: resolvers[name] as never }]), plugins });
    const { url } = await startStandaloneServer(server, { listen: { port: 0, host: '127.0.0.1' }, context: async () => { requests[name]!++; return {}; } });
    subgraphs.push(server);
    services.push({ name, url, typeDefs });
  }
  const composed = composeServices(services);
  if (composed.errors?.length || !composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  const supergraphSdl = composed.supergraphSdl;

  const stockServer = new ApolloServer({ gateway: new ApolloGateway({ supergraphSdl }) });
  const { url } = await startStandaloneServer(stockServer, { listen: { port: 0, host: '127.0.0.1' } });
  stock = { server: stockServer, url };
  const common = { supergraphSdl, port: 0, host: '127.0.0.1', allowAnonymous: true, subscriptions: false as const, apiKeys: false as const, limits: { maxCost: 1_000_000 } };
  batched = await startGateway(common);
  unbatched = await startGateway({ ...common, fetchBatching: false });
});

afterAll(async () => {
  await batched?.stop();
  await unbatched?.stop();
  await stock?.server.stop();
  await Promise.all(subgraphs.map((s) => s.stop()));
  subgraphs = [];
});

describe('our plan execution answers what stock @apollo/gateway answers', () => {
  it.each(Object.keys(QUERIES))('%s', async (name) => {
    const body = QUERIES[name]!;
    const fromStock = await post(stock.url, body);
    let before = totalRequests();
    const fromUnbatched = await post(unbatched.url, body);
    const unbatchedRequests = totalRequests() - before;
    before = totalRequests();
    const fromBatched = await post(batched.url, body);
    const batchedRequests = totalRequests() - before;

    expect(fromBatched.status).toBe(fromStock.status);
    expect(fromBatched.text).toBe(fromUnbatched.text);
    const parsed = JSON.parse(fromBatched.text);
    expect(comparable(parsed)).toEqual(comparable(JSON.parse(fromStock.text)));
    // The fixture's answers are not trivial: data everywhere, errors where the resolvers throw.
    expect(parsed.data).toBeTruthy();
    expect(batchedRequests).toBeLessThanOrEqual(unbatchedRequests);
  });

  it('merges the entity fetches of one plan level into one request per subgraph', async () => {
    let before = totalRequests();
    await post(unbatched.url, QUERIES.nested!);
    const unbatchedRequests = totalRequests() - before;
    before = totalRequests();
    const mergedBefore = await batchingCount('merged');
    await post(batched.url, QUERIES.nested!);
    const batchedRequests = totalRequests() - before;
    expect(await batchingCount('merged')).toBeGreaterThan(mergedBefore);
    // Stock sends one request per fetch node of the plan; the plan's levels need far fewer.
    expect(unbatchedRequests).toBeGreaterThanOrEqual(14);
    expect(batchedRequests).toBeLessThanOrEqual(9);
  });

  it('sends the fetches of a merged request again one by one when the subgraph refuses it, and answers as stock', async () => {
    refuseMergedDocuments = true;
    try {
      const fromStock = await post(stock.url, QUERIES.nested!);
      const inventoryBefore = requests.inventory!;
      const fallbackBefore = await batchingCount('fallback');
      const fromBatched = await post(batched.url, QUERIES.nested!);
      expect(await batchingCount('fallback')).toBeGreaterThan(fallbackBefore);
      expect(comparable(JSON.parse(fromBatched.text))).toEqual(comparable(JSON.parse(fromStock.text)));
      expect(JSON.parse(fromBatched.text).errors).toBeUndefined();
      // Refused merged requests plus the one-by-one fetches: more inventory requests than the plan's levels.
      expect(requests.inventory! - inventoryBefore).toBeGreaterThan(3);
    } finally {
      refuseMergedDocuments = false;
    }
  });

  it('reports errors of merged fetches at the paths stock reports them', async () => {
    const ours = JSON.parse((await post(batched.url, QUERIES.typedErrors!)).text);
    const paths = ours.errors.map((e: { path: unknown }) => JSON.stringify(e.path)).sort();
    expect(paths).toEqual(expect.arrayContaining(['["topProducts",0,"restockNote"]', '["topProducts",3,"restockNote"]']));
    expect(ours.errors.every((e: { extensions: { code: string } }) => e.extensions.code === 'FORBIDDEN')).toBe(true);
  });
});
