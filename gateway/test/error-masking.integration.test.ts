/**
 * The gateway never hands a subgraph's internals to a caller (src/errors.ts): a subgraph that
 * answers an HTML 502, one whose resolvers throw with a stack (and a "Maximum call stack size
 * exceeded"), and one that is down (connection refused) all reach the caller as typed codes with
 * generic messages, and each masked error is logged with the request id. Typed subgraph errors
 * keep their message and details, never their other extensions.
 */
import http from 'node:http';
import net from 'node:net';
import { GraphQLError, parse } from 'graphql';
import pino from 'pino';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { composeServices } from '@apollo/composition';
import { startGateway, type RunningGateway } from '../src/server';

const link = 'extend schema @link(url: "https://specs.apollo.dev/federation/v2.6", import: ["@key"])';
const htmlSdl = parse(`${link} type Query { fromProxy: String }`);
const boomSdl = parse(`${link} type Query { boom: String deep: String typed: String fine: String }`);
const downSdl = parse(`${link} type Query { fromDown: String }`);

const HTML_502 = '<html><head><title>502 Bad Gateway</title></head><body><h1>502</h1><p>upstream http://10.20.30.40:8080/graphql failed</p></body></html>';
const INTERNALS = ['127.0.0.1', 'http://', '<html', 'stacktrace', 'Maximum call stack', 'ECONNREFUSED', '/srv/', '10.20.30.40', 'secretDetail', 'at Object.'];

let htmlServer: http.Server;
let boom: ApolloServer;
let gateway: RunningGateway;
const logLines: Record<string, unknown>[] = [];

const freePort = () => new Promise<number>((resolve, reject) => {
  const srv = net.createServer();
  srv.once('error', reject);
  srv.listen(0, '127.0.0.1', () => { const { port } = srv.address() as net.AddressInfo; srv.close(() => resolve(port)); });
});

beforeAll(async () => {
  htmlServer = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => { res.writeHead(502, { 'content-type': 'text/html' }); res.end(HTML_502); });
  });
  await new Promise<void>((resolve) => htmlServer.listen(0, '127.0.0.1', resolve));
  const htmlUrl = `http://127.0.0.1:${(htmlServer.address() as net.AddressInfo).port}/graphql`;

  boom = new ApolloServer({
    schema: buildSubgraphSchema([{ typeDefs: boomSdl, resolvers: {
      Query: {
        boom: () => { throw new Error('connect ECONNREFUSED 10.20.30.40:5432 (pool at /srv/app/db.ts)'); },
        deep: () => { throw new RangeError('Maximum call stack size exceeded'); },
        typed: () => { throw new GraphQLError('Loan not found', { extensions: { code: 'NOT_FOUND', secretDetail: '/srv/app/loans.store.ts' } }); },
        fine: () => 'fine',
      },
    } }]),
    includeStacktraceInErrorResponses: true,
    plugins: [ApolloServerPluginInlineTraceDisabled()],
  });
  const { url: boomUrl } = await startStandaloneServer(boom, { listen: { port: 0, host: '127.0.0.1' } });
  const downUrl = `http://127.0.0.1:${await freePort()}/graphql`;

  const composed = composeServices([
    { name: 'proxy', url: htmlUrl, typeDefs: htmlSdl },
    { name: 'boom', url: boomUrl, typeDefs: boomSdl },
    { name: 'down', url: downUrl, typeDefs: downSdl },
  ]);
  if (!composed.supergraphSdl) throw new Error(`composition failed: ${composed.errors?.map((e) => e.message).join('; ')}`);
  const log = pino({ level: 'info' }, { write: (line: string) => { logLines.push(JSON.parse(line) as Record<string, unknown>); } });
  gateway = await startGateway({ supergraphSdl: composed.supergraphSdl, port: 0, host: '127.0.0.1', allowAnonymous: true, log, apiKeys: false });
});

afterAll(async () => {
  await gateway?.stop();
  await boom?.stop();
  await new Promise<void>((resolve) => (htmlServer ? htmlServer.close(() => resolve()) : resolve()));
});

async function ask(query: string, requestId: string, headers: Record<string, string> = {}) {
  const res = await fetch(gateway.url, { method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': requestId, ...headers }, body: JSON.stringify({ query }) });
  const text = await res.text();
  return { status: res.status, text, body: JSON.parse(text) as { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] } };
}

const expectNoInternals = (text: string) => {
  for (const needle of INTERNALS) expect({ needle, found: text.includes(needle) }).toEqual({ needle, found: false });
};
const loggedFor = (requestId: string) => logLines.filter((l) => l.request_id === requestId);

describe('subgraph errors reach callers only as typed codes', () => {
  it('masks a subgraph answering an HTML 502 as SUBGRAPH_UNAVAILABLE and logs it with the request id', async () => {
    const r = await ask('{ fromProxy }', 'mask-html-0001');
    expectNoInternals(r.text);
    expect(r.body.errors).toEqual([{ message: 'A service is unavailable, try again later', extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }) }]);
    expect(loggedFor('mask-html-0001')).toEqual(expect.arrayContaining([expect.objectContaining({ subgraph: 'proxy', status: 502, msg: 'subgraph fetch failed; masked' })]));
  });

  it('masks a resolver error thrown with a stack as INTERNAL_SERVER_ERROR and keeps the other fields', async () => {
    const r = await ask('{ boom fine }', 'mask-boom-0001');
    expectNoInternals(r.text);
    expect(r.body.data).toEqual({ boom: null, fine: 'fine' });
    expect(r.body.errors).toEqual([{ message: 'Internal server error', path: ['boom'], extensions: expect.objectContaining({ code: 'INTERNAL_SERVER_ERROR' }) }]);
    const logged = loggedFor('mask-boom-0001').find((l) => l.msg === 'subgraph error masked') as { error: { message: string } } | undefined;
    expect(logged?.error.message).toContain('ECONNREFUSED 10.20.30.40:5432');
  });

  it('never passes "Maximum call stack size exceeded" on', async () => {
    const r = await ask('{ deep }', 'mask-deep-0001');
    expectNoInternals(r.text);
    expect(r.body.errors?.[0]).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });

  it('masks a subgraph that is down (connection refused) without its URL', async () => {
    const r = await ask('{ fromDown }', 'mask-down-0001');
    expectNoInternals(r.text);
    expect(r.body.errors).toEqual([{ message: 'A service is unavailable, try again later', extensions: expect.objectContaining({ code: 'SUBGRAPH_UNAVAILABLE' }) }]);
    expect(loggedFor('mask-down-0001').some((l) => l.subgraph === 'down')).toBe(true);
  });

  it('keeps a typed subgraph error\'s message and code, and drops its other extensions and stack', async () => {
    const r = await ask('{ typed }', 'mask-typed-0001');
    expectNoInternals(r.text);
    expect(r.body.errors?.[0]).toMatchObject({ message: 'Loan not found', path: ['typed'], extensions: { code: 'NOT_FOUND' } });
    expect(Object.keys(r.body.errors![0]!.extensions!).sort()).toEqual(['code', 'serviceName']);
  });

  it('writes the generic messages in Spanish for a Spanish caller', async () => {
    const down = await ask('{ fromDown }', 'mask-down-es-01', { 'accept-language': 'es' });
    expect(down.body.errors?.[0]).toMatchObject({ message: 'Un servicio interno no está disponible; reintente más tarde.', extensions: { code: 'SUBGRAPH_UNAVAILABLE' } });
    const boomEs = await ask('{ boom }', 'mask-boom-es-01', { 'accept-language': 'es' });
    expect(boomEs.body.errors?.[0]).toMatchObject({ message: 'Error interno del servidor.', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
