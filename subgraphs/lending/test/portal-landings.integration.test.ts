/**
 * originationLandings (the public portal's home) through lending's GraphQL on the real database:
 * every published product of the tenant with an enabled LANDING step, by product name, the same
 * answer per product as originationLanding, never another tenant's products, and an empty list for
 * an unknown tenant.
 */
import { CREATE_PRODUCT, publishedProduct, startHarness, TERMS, type Harness } from './harness';
import { FULL_PIPELINE, legalDocuments, productWithPipeline } from './origination';

const FIELDS = 'productCode productName currency minAmount maxAmount minTerm maxTerm title blocks legalFooter legalDocuments { code version }';
const LANDINGS = `query($slug: String, $host: String) { originationLandings(tenantSlug: $slug, host: $host) { ${FIELDS} } }`;

describe('lending: originationLandings for the portal home', () => {
  let h: Harness;
  let tenantA: string;
  let tenantB: string;

  beforeAll(async () => {
    h = await startHarness('lendlandings');
    tenantA = await h.tenant('land-a');
    tenantB = await h.tenant('land-b');
    await legalDocuments(h, tenantA);
    // A: ZETA (full pipeline), ALPHA (default pipeline: its landing too), HIDDEN (LANDING disabled), a draft never published.
    await productWithPipeline(h, tenantA, 'ZETA', FULL_PIPELINE);
    await publishedProduct(h, tenantA, 'ALPHA');
    await productWithPipeline(h, tenantA, 'HIDDEN', FULL_PIPELINE.map((s) => (s.type === 'LANDING' ? { ...s, enabled: false } : s)));
    const maker = await h.token(tenantA, ['tenant_admin']);
    const draft = await h.call(CREATE_PRODUCT, { input: { code: 'DRAFTY', name: 'Product DRAFTY', currency: 'MXN', terms: TERMS } }, maker);
    expect(draft.data.createCreditProduct.userErrors).toEqual([]);
    // B: one product of its own, in another currency.
    await publishedProduct(h, tenantB, 'BETA', TERMS, 'USD');
  });
  afterAll(async () => { await h?.close(); });

  test("a tenant's published products with a landing, by name, each as originationLanding shows it", async () => {
    const r = await h.call(LANDINGS, { slug: 'land-a' });
    expect(r.errors).toBeUndefined();
    const landings = r.data.originationLandings;
    expect(landings.map((l: { productCode: string }) => l.productCode)).toEqual(['ALPHA', 'ZETA']);
    expect(landings[1]).toMatchObject({ productName: 'Product ZETA', currency: 'MXN', minAmount: '1000.00', maxAmount: '100000.00', minTerm: 3, maxTerm: 36, title: 'Crédito personal', legalFooter: 'Imagy Financiera S.A.' });
    expect(landings[1].legalDocuments.map((d: { code: string }) => d.code)).toEqual(['TERMS', 'PRIVACY']);
    expect(landings[0]).toMatchObject({ productCode: 'ALPHA', title: 'Solicite su crédito', legalFooter: null });
    for (const l of landings) {
      const one = await h.call(`query($code: String!) { originationLanding(productCode: $code, tenantSlug: "land-a") { ${FIELDS} } }`, { code: l.productCode });
      expect(one.data.originationLanding).toEqual(l);
    }
  });

  test("by host, tenant B sees only its own product and never A's; A never sees B's", async () => {
    const b = await h.call(LANDINGS, { host: 'LAND-B.example.test:443' });
    expect(b.data.originationLandings).toEqual([expect.objectContaining({ productCode: 'BETA', currency: 'USD', legalDocuments: [] })]);
    const a = await h.call(LANDINGS, { host: 'land-a.example.test' });
    expect(a.data.originationLandings.map((l: { productCode: string }) => l.productCode)).toEqual(['ALPHA', 'ZETA']);
    // A signed-in user of B asking for A's slug gets A's public list, nothing of B mixed in.
    const bToken = await h.token(tenantB, ['tenant_admin']);
    const cross = await h.call(LANDINGS, { slug: 'land-a' }, bToken);
    expect(cross.data.originationLandings.map((l: { productCode: string }) => l.productCode)).toEqual(['ALPHA', 'ZETA']);
  });

  test('an unknown tenant, text that cannot be a slug or host, or no tenant at all: an empty list', async () => {
    for (const vars of [{ slug: 'nobody' }, { host: 'nobody.example.test' }, {}, { slug: 'Bad Slug!' }, { host: '../../etc' }]) {
      const r = await h.call(LANDINGS, vars);
      expect({ vars, errors: r.errors, data: r.data }).toEqual({ vars, errors: undefined, data: { originationLandings: [] } });
    }
  });
});
