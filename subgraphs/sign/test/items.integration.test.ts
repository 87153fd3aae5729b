import crypto from 'node:crypto';
import { createTestBus, createTestDb, createTestIssuer, gql, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startSign } from '../src/app';

const CREATE = `mutation($input: CreateSignItemInput!) { createSignItem(input: $input) { item { id name } userErrors { code message field } } }`;
const ONE = `query($id: ID!) { signItem(id: $id) { id name } }`;
const LIST = `{ signItems(first: 10) { edges { node { id name } } } }`;

describe('sign items', () => {
  let db: TestDb;
  let bus: TestBus;
  let issuer: TestIssuer;
  let running: Awaited<ReturnType<typeof startSign>>;
  const tenantA = crypto.randomUUID();
  const tenantB = crypto.randomUUID();
  let tokenA: string;
  let tokenB: string;

  beforeAll(async () => {
    db = await createTestDb('sign');
    bus = await createTestBus();
    issuer = await createTestIssuer();
    running = await startSign({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, });
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
    expect(created.data.createSignItem).toEqual({ item: { id: expect.any(String), name: 'first' }, userErrors: [] });
    const long = await gql(running.url, CREATE, { input: { name: 'x'.repeat(121) } }, { token: tokenA, headers: { 'accept-language': 'es' } });
    expect(long.data.createSignItem).toEqual({ item: null, userErrors: [{ code: 'NAME_TOO_LONG', message: 'El nombre debe tener como máximo 120 caracteres.', field: 'name' }] });
  });

  test("tenant B can neither read nor write tenant A's row", async () => {
    const created = await gql(running.url, CREATE, { input: { name: 'only for A' } }, { token: tokenA });
    const id = created.data.createSignItem.item.id as string;
    expect((await gql(running.url, ONE, { id }, { token: tokenA })).data.signItem).toEqual({ id, name: 'only for A' });
    expect((await gql(running.url, ONE, { id }, { token: tokenB })).data.signItem).toBeNull();
    expect((await gql(running.url, LIST, {}, { token: tokenB })).data.signItems.edges).toEqual([]);

    // Below the API: as the subgraph's own role, with tenant B set, A's row can be neither updated nor deleted.
    const em = running.orm.em.fork();
    const touched = await em.transactional(async (tx) => {
      await tx.execute("select set_config('app.tenant_id', ?, true)", [tenantB]);
      const updated = await tx.execute<{ id: string }[]>("update items set name = 'taken' where id = ? returning id", [id]);
      const deleted = await tx.execute<{ id: string }[]>('delete from items where id = ? returning id', [id]);
      return updated.length + deleted.length;
    });
    expect(touched).toBe(0);
    expect((await gql(running.url, ONE, { id }, { token: tokenA })).data.signItem).toEqual({ id, name: 'only for A' });
  });

  test('an anonymous caller is refused', async () => {
    const r = await gql(running.url, LIST, {});
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
