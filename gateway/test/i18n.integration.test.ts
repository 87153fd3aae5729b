/**
 * The gateway's own errors (authentication, safelist, limits, rate limit, authorization) follow
 * Accept-Language: Spanish for a Spanish caller, with the same details as the English text (the
 * allowed range, the retry delay), the same code and the same detail extensions.
 */
import { bearer, startWorld, type World } from './support';

const ES = { 'accept-language': 'es-ES,es;q=0.9,en;q=0.5' };

let world: World;
beforeAll(async () => {
  world = await startWorld({
    persistedQueries: { format: 'apollo-persisted-query-manifest', version: 1, operations: [] },
    limits: { maxBatchSize: 2 },
    apiKeys: { nats: false, userRpm: 3 },
  });
});
afterAll(async () => { await world?.stop(); });

const first = (r: { body: any }) => r.body.errors?.[0];

describe("the gateway's own errors in Spanish", () => {
  it('refuses a tampered token in Spanish, with HTTP 401 and the same code', async () => {
    const token = await world.userToken({ sub: 'tampered-user' });
    const r = await world.gql('{ greeting }', { ...bearer(`${token.slice(0, -4)}AAAA`), ...ES });
    expect(r.status).toBe(401);
    expect(first(r)).toMatchObject({ message: 'La firma o los datos del token no son válidos.', extensions: { code: 'UNAUTHENTICATED' } });
    const en = await world.gql('{ greeting }', bearer(`${token.slice(0, -4)}AAAA`));
    expect(first(en).message).toBe('Token signature or claims are invalid');
  });

  it('refuses an API key\'s freeform body in Spanish', async () => {
    const r = await world.gql('{ greeting }', { ...bearer(await world.apiKeyToken({ sub: 'key-es' })), ...ES });
    expect(r.status).toBe(400);
    expect(first(r)).toMatchObject({ message: 'Este acceso no admite operaciones libres: envíe el id de la operación en la extensión persistedQuery.', extensions: { code: 'PERSISTED_QUERY_ID_REQUIRED' } });
  });

  it('refuses a too large batch in Spanish, keeping the allowed size', async () => {
    const r = await world.gql([{ query: '{ greeting }' }, { query: '{ greeting }' }, { query: '{ greeting }' }], ES);
    expect(r.status).toBe(400);
    expect(first(r)).toEqual({ message: 'El lote tiene demasiadas operaciones: 3; el límite (maxBatchSize) es 2.', extensions: { code: 'OPERATION_LIMIT_EXCEEDED', limit: 'maxBatchSize', max: 2, actual: 3 } });
  });

  it('reports removed fields as FORBIDDEN in Spanish', async () => {
    const r = await world.gql('{ greeting complianceReport }', { ...bearer(await world.userToken({ sub: 'forbidden-es' })), ...ES });
    expect(r.body.data).toEqual({ greeting: 'hello', complianceReport: null });
    expect(first(r)).toMatchObject({ message: 'Campo o tipo no autorizado.', path: ['complianceReport'], extensions: { code: 'FORBIDDEN' } });
  });

  it('throttles in Spanish with the limit and the retry delay, as in English', async () => {
    const token = await world.userToken({ sub: 'throttled-es' });
    for (let i = 0; i < 3; i++) expect((await world.gql('{ greeting }', bearer(token))).status).toBe(200);
    const es = await world.gql('{ greeting }', { ...bearer(token), ...ES });
    const en = await world.gql('{ greeting }', bearer(token));
    expect([es.status, en.status]).toEqual([429, 429]);
    const retryAfter = first(es).extensions.retryAfter as number;
    expect(first(es)).toMatchObject({ message: `Se superó el límite de solicitudes (3 por minuto); reintente en ${retryAfter} s.`, extensions: { code: 'RATE_LIMITED', retryAfter } });
    expect(first(en).message).toBe(`Rate limit exceeded (3 requests per minute); retry after ${first(en).extensions.retryAfter} s`);
  });
});
