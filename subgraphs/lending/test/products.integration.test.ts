import { withSqlClient } from '@imagy/platform/testing';
import { withUser } from '@imagy/platform/db';
import { gql } from '@imagy/platform/testing';
import { APPROVE, CREATE_PRODUCT, publishedProduct, REQUEST_PUBLICATION, startHarness, TERMS, type Harness } from './harness';

const SIMULATE = `query($input: SimulateCreditInput!) { simulateCredit(input: $input) { simulation { productCode versionNumber currency amount term installment cat netDisbursed rows { number dueDate principal interest total balance } totals { interest totalPayable } } userErrors { code message field } } }`;

describe('lending: products, versions, maker-checker and the public simulator', () => {
  let h: Harness;
  let tenantA: string;
  let tenantB: string;
  beforeAll(async () => {
    h = await startHarness('lendprod');
    tenantA = await h.tenant('banco-a');
    tenantB = await h.tenant('banco-b');
  });
  afterAll(async () => { await h?.close(); });

  test('a tenant admin creates a product with a draft version holding the default terms', async () => {
    const admin = await h.token(tenantA, ['tenant_admin']);
    const r = await h.call(CREATE_PRODUCT, { input: { code: 'nomina-12', name: 'Nómina', currency: 'MXN', terms: { ...TERMS, fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }] } } }, admin);
    expect(r.errors).toBeUndefined();
    const { product, version, userErrors } = r.data.createCreditProduct;
    expect(userErrors).toEqual([]);
    expect(product).toMatchObject({ code: 'NOMINA-12', currency: 'MXN', status: 'ACTIVE', publishedVersion: null });
    expect(version).toMatchObject({ number: 1, status: 'DRAFT' });
    expect(product.versions[0].terms).toMatchObject({
      allocationOrder: ['PENALTY', 'FEE', 'TAX', 'INTEREST', 'PRINCIPAL'], prepaymentRule: 'REDUCE_TERM', defaultThresholdDays: 90,
      latePenalty: { kind: 'NONE', rate: '0', graceDays: 0 }, fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '2', charge: 'UPFRONT', taxRate: '16' }],
    });
    expect(product.versions[0].terms.delinquencyBuckets.map((b: any) => b.name)).toEqual(['1-30', '31-60', '61-90', '91-120', '121+']);
    const dup = await h.call(CREATE_PRODUCT, { input: { code: 'NOMINA-12', name: 'Again', currency: 'MXN', terms: TERMS } }, admin);
    expect(dup.data.createCreditProduct.userErrors).toEqual([expect.objectContaining({ code: 'CODE_TAKEN', field: 'code' })]);
  });

  test('invalid products get clear userErrors and nothing is written', async () => {
    const admin = await h.token(tenantA, ['tenant_admin']);
    const before = await h.adminSql('select (select count(*) from lending.credit_products)::int as p, (select count(*) from lending.product_versions)::int as v');
    const r = await h.call(CREATE_PRODUCT, { input: { code: 'bad code!', name: '', currency: 'XYZ', terms: { ...TERMS, minAmount: '500.001', maxAmount: '100', minTerm: 0, annualNominalRate: '-1', graceOnPrincipal: 5, allocationOrder: ['PRINCIPAL', 'PRINCIPAL'], delinquencyBuckets: [{ name: 'x', minDays: 2, maxDays: 3 }] } } }, admin);
    expect(r.errors).toBeUndefined();
    const codes = r.data.createCreditProduct.userErrors.map((e: any) => `${e.code}:${e.field}`);
    expect(codes).toEqual(expect.arrayContaining(['INVALID_CODE:code', 'INVALID_NAME:name', 'INVALID_CURRENCY:currency', 'INVALID_AMOUNT:terms.minAmount', 'INVALID_TERM:terms.minTerm', 'INVALID_RATE:terms.annualNominalRate', 'INVALID_TERMS:terms.allocationOrder', 'INVALID_TERMS:terms.delinquencyBuckets.0.minDays']));
    const upfrontEatsAll = await h.call(CREATE_PRODUCT, { input: { code: 'EATEN', name: 'Eaten', currency: 'MXN', terms: { ...TERMS, fees: [{ code: 'BIG', kind: 'FIXED', value: '1000', charge: 'UPFRONT' }] } } }, admin);
    expect(upfrontEatsAll.data.createCreditProduct.userErrors).toEqual([expect.objectContaining({ code: 'INVALID_FEE' })]);
    expect(await h.adminSql('select (select count(*) from lending.credit_products)::int as p, (select count(*) from lending.product_versions)::int as v')).toEqual(before);
  });

  test('publication is a change request: the maker cannot approve it, another checker can, and the event is published', async () => {
    const maker = await h.token(tenantA, ['tenant_admin']);
    const created = await h.call(CREATE_PRODUCT, { input: { code: 'AUTO', name: 'Auto', currency: 'MXN', terms: TERMS } }, maker);
    const versionId = created.data.createCreditProduct.version.id;
    const cr = (await h.call(REQUEST_PUBLICATION, { input: { versionId } }, maker)).data.requestPublication;
    expect(cr.changeRequest).toMatchObject({ kind: 'PUBLISH_VERSION', status: 'PENDING' });
    const again = await h.call(REQUEST_PUBLICATION, { input: { versionId } }, maker);
    expect(again.data.requestPublication.userErrors.map((e: any) => e.code)).toEqual(['ALREADY_PENDING']);
    const self = await h.call(APPROVE, { input: { id: cr.changeRequest.id } }, maker);
    expect(self.data.approveChangeRequest.userErrors.map((e: any) => e.code)).toEqual(['SELF_APPROVAL']);
    const staff = await h.token(tenantA, ['staff']);
    expect((await h.call(APPROVE, { input: { id: cr.changeRequest.id } }, staff)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const pending = await h.call(`{ changeRequests(status: PENDING) { edges { node { id kind version { number } product { code } } } } }`, {}, maker);
    expect(pending.data.changeRequests.edges.map((e: any) => e.node.id)).toContain(cr.changeRequest.id);
    const checker = await h.token(tenantA, ['product_checker']);
    const ok = await h.call(APPROVE, { input: { id: cr.changeRequest.id } }, checker);
    expect(ok.data.approveChangeRequest.userErrors).toEqual([]);
    expect(ok.data.approveChangeRequest.changeRequest).toMatchObject({ status: 'APPROVED', version: { id: versionId, status: 'PUBLISHED' } });
    const events = await h.adminSql(`select envelope->'data' as data from lending.outbox where subject = 'lending.product.version_published'`);
    expect(events.map((e) => e.data)).toContainEqual(expect.objectContaining({ versionId, productCode: 'AUTO', number: 1 }));
  });

  test('a published version is immutable in the service and in the database; editing makes a new draft', async () => {
    const { productId, versionId, maker, checker } = await publishedProduct(h, tenantA, 'PERSONAL');
    const edit = await h.call(`mutation($input: UpdateDraftVersionInput!) { updateDraftVersion(input: $input) { version { id } userErrors { code } } }`, { input: { versionId, terms: { ...TERMS, annualNominalRate: '15' } } }, maker);
    expect(edit.data.updateDraftVersion.userErrors.map((e: any) => e.code)).toEqual(['VERSION_NOT_DRAFT']);
    const discard = await h.call(`mutation($input: DiscardDraftVersionInput!) { discardDraftVersion(input: $input) { userErrors { code } } }`, { input: { versionId } }, maker);
    expect(discard.data.discardDraftVersion.userErrors.map((e: any) => e.code)).toEqual(['VERSION_NOT_DRAFT']);
    // Even the subgraph's own role cannot change published terms directly.
    const { url } = { url: withUser(h.db.adminUrl, 'imagy_lending') };
    await withSqlClient(url, async (client) => {
      await client.query('begin');
      await client.query(`select set_config('app.tenant_id', $1, true)`, [tenantA]);
      await expect(client.query(`update lending.product_versions set terms = jsonb_set(terms, '{annualNominalRate}', '"99"') where id = $1`, [versionId])).rejects.toThrow(/immutable/);
      await client.query('rollback');
    });

    const draft = await h.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id number status terms { annualNominalRate } } userErrors { code } } }`, { input: { productId, fromVersionId: versionId } }, maker);
    expect(draft.data.createDraftVersion.version).toMatchObject({ number: 2, status: 'DRAFT', terms: { annualNominalRate: '12' } });
    const second = await h.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { userErrors { code } } }`, { input: { productId } }, maker);
    expect(second.data.createDraftVersion.userErrors.map((e: any) => e.code)).toEqual(['DRAFT_EXISTS']);
    const draftId = draft.data.createDraftVersion.version.id;
    const updated = await h.call(`mutation($input: UpdateDraftVersionInput!) { updateDraftVersion(input: $input) { version { terms { annualNominalRate } } userErrors { code } } }`, { input: { versionId: draftId, terms: { ...TERMS, annualNominalRate: '18' } } }, maker);
    expect(updated.data.updateDraftVersion.version.terms.annualNominalRate).toBe('18');
    const cr = await h.call(REQUEST_PUBLICATION, { input: { versionId: draftId } }, maker);
    await h.call(APPROVE, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
    const versions = await h.call(`query($id: ID!) { creditProduct(id: $id) { publishedVersion { number } versions { number status terms { annualNominalRate } } } }`, { id: productId }, maker);
    expect(versions.data.creditProduct).toEqual({ publishedVersion: { number: 2 }, versions: [{ number: 1, status: 'ARCHIVED', terms: { annualNominalRate: '12' } }, { number: 2, status: 'PUBLISHED', terms: { annualNominalRate: '18' } }] });

    const discardable = await h.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id } } }`, { input: { productId } }, maker);
    const discarded = await h.call(`mutation($input: DiscardDraftVersionInput!) { discardDraftVersion(input: $input) { version { status } userErrors { code } } }`, { input: { versionId: discardable.data.createDraftVersion.version.id } }, maker);
    expect(discarded.data.discardDraftVersion.version.status).toBe('DISCARDED');
  });

  test('archiving a product is a change request too; rejection needs a reason and keeps the product', async () => {
    const { productId, maker, checker } = await publishedProduct(h, tenantA, 'TO-ARCHIVE');
    const ARCHIVE = `mutation($input: RequestProductArchivalInput!) { requestProductArchival(input: $input) { changeRequest { id } userErrors { code } } }`;
    const first = await h.call(ARCHIVE, { input: { productId } }, maker);
    const REJECT = `mutation($input: RejectChangeRequestInput!) { rejectChangeRequest(input: $input) { changeRequest { status reason } userErrors { code } } }`;
    expect((await h.call(REJECT, { input: { id: first.data.requestProductArchival.changeRequest.id, reason: ' ' } }, checker)).data.rejectChangeRequest.userErrors.map((e: any) => e.code)).toEqual(['INVALID_REASON']);
    const rejected = await h.call(REJECT, { input: { id: first.data.requestProductArchival.changeRequest.id, reason: 'still selling' } }, checker);
    expect(rejected.data.rejectChangeRequest.changeRequest).toEqual({ status: 'REJECTED', reason: 'still selling' });
    const second = await h.call(ARCHIVE, { input: { productId } }, maker);
    await h.call(APPROVE, { input: { id: second.data.requestProductArchival.changeRequest.id } }, checker);
    const p = await h.call(`query($id: ID!) { creditProduct(id: $id) { status } }`, { id: productId }, maker);
    expect(p.data.creditProduct.status).toBe('ARCHIVED');
    const sim = await h.call(SIMULATE, { input: { tenantSlug: 'banco-a', productCode: 'TO-ARCHIVE', amount: '5000.00', term: 12 } });
    expect(sim.data.simulateCredit.userErrors.map((e: any) => e.code)).toEqual(['PRODUCT_NOT_FOUND']);
  });

  test('anyone simulates a published product by tenant slug or host, gets Fineract\'s schedule, and nothing is written', async () => {
    await publishedProduct(h, tenantA, 'FINERACT', { ...TERMS, minAmount: '1000', maxAmount: '10000', maxTerm: 24, installmentMultipleOf: '1' });
    const before = await h.adminSql(`select (select count(*) from lending.outbox)::int as o, (select count(*) from lending.credits)::int as c`);
    const r = await h.call(SIMULATE, { input: { tenantSlug: 'banco-a', productCode: 'fineract', amount: '5000', term: 18 } });
    expect(r.errors).toBeUndefined();
    const s = r.data.simulateCredit.simulation;
    expect(s).toMatchObject({ productCode: 'FINERACT', versionNumber: 1, currency: 'MXN', amount: '5000.00', installment: '305.00' });
    expect(s.rows[0]).toMatchObject({ number: 1, interest: '50.00', principal: '255.00', balance: '4745.00' });
    expect(s.rows[1]).toMatchObject({ interest: '47.45', principal: '257.55', balance: '4487.45' });
    expect(s.rows[17]).toMatchObject({ interest: '3.00', principal: '300.22', balance: '0.00' });
    expect(s.totals.interest).toBe('488.22');
    expect(Number(s.cat)).toBeGreaterThan(12);
    // The white-label portal names its tenant by the host it is served on (port ignored).
    const byHost = await h.call(SIMULATE, { input: { host: 'Banco-A.example.test:8443', productCode: 'FINERACT', amount: '5000', term: 18 } });
    expect(byHost.data.simulateCredit.simulation.rows[17]).toMatchObject({ principal: '300.22' });
    const unknownHost = await h.call(SIMULATE, { input: { host: 'nobody.example.test', productCode: 'FINERACT', amount: '5000', term: 18 } });
    expect(unknownHost.data.simulateCredit.userErrors[0].code).toBe('PRODUCT_NOT_FOUND');
    const noTenant = await h.call(SIMULATE, { input: { productCode: 'FINERACT', amount: '5000', term: 18 } });
    expect(noTenant.data.simulateCredit.userErrors[0].code).toBe('TENANT_REQUIRED');
    const cfg = await h.call(`{ simulatorConfig(productCode: "FINERACT", tenantSlug: "banco-a") { minAmount maxAmount minTerm maxTerm amountStep currency } }`);
    expect(cfg.data.simulatorConfig).toEqual({ minAmount: '1000.00', maxAmount: '10000.00', minTerm: 3, maxTerm: 24, amountStep: '0.01', currency: 'MXN' });

    const bad = await h.call(SIMULATE, { input: { tenantSlug: 'banco-a', productCode: 'FINERACT', amount: '50000.005', term: 48 } });
    expect(bad.errors).toBeUndefined();
    expect(bad.data.simulateCredit.userErrors.map((e: any) => `${e.code}:${e.field}`)).toEqual(['INVALID_AMOUNT:amount', 'TERM_OUT_OF_RANGE:term']);
    const out = await h.call(SIMULATE, { input: { tenantSlug: 'banco-a', productCode: 'FINERACT', amount: '999.99', term: 12 } });
    expect(out.data.simulateCredit.userErrors.map((e: any) => e.code)).toEqual(['AMOUNT_OUT_OF_RANGE']);
    // Another tenant's slug does not see banco-a's products; unknown tenants neither.
    expect((await h.call(SIMULATE, { input: { tenantSlug: 'banco-b', productCode: 'FINERACT', amount: '5000', term: 18 } })).data.simulateCredit.userErrors[0].code).toBe('PRODUCT_NOT_FOUND');
    expect((await h.call(SIMULATE, { input: { tenantSlug: 'nobody', productCode: 'FINERACT', amount: '5000', term: 18 } })).data.simulateCredit.userErrors[0].code).toBe('PRODUCT_NOT_FOUND');
    expect(await h.adminSql(`select (select count(*) from lending.outbox)::int as o, (select count(*) from lending.credits)::int as c`)).toEqual(before);
  });

  test('drafts are not simulable', async () => {
    const admin = await h.token(tenantA, ['tenant_admin']);
    await h.call(CREATE_PRODUCT, { input: { code: 'DRAFTY', name: 'Drafty', currency: 'MXN', terms: TERMS } }, admin);
    const r = await h.call(SIMULATE, { input: { tenantSlug: 'banco-a', productCode: 'DRAFTY', amount: '5000', term: 12 } });
    expect(r.data.simulateCredit.userErrors[0].code).toBe('PRODUCT_NOT_FOUND');
  });

  test('tenant B cannot read or change tenant A\'s products, and the app role without a tenant sees no rows', async () => {
    const { productId, versionId } = await publishedProduct(h, tenantA, 'PRIVATE');
    const adminB = await h.token(tenantB, ['tenant_admin']);
    const list = await h.call(`{ creditProducts(first: 100) { edges { node { id } } } }`, {}, adminB);
    expect(list.data.creditProducts.edges).toEqual([]);
    expect((await h.call(`query($id: ID!) { creditProduct(id: $id) { id } }`, { id: productId }, adminB)).data.creditProduct).toBeNull();
    const draft = await h.call(`mutation($input: CreateDraftVersionInput!) { createDraftVersion(input: $input) { version { id } } }`, { input: { productId } }, adminB);
    expect(draft.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const pub = await h.call(REQUEST_PUBLICATION, { input: { versionId } }, adminB);
    expect(pub.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const anonymous = await h.call(`{ creditProducts { edges { node { id } } } }`);
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await withSqlClient(withUser(h.db.adminUrl, 'imagy_lending'), async (client) => {
      for (const t of ['credit_products', 'product_versions', 'change_requests']) {
        expect((await client.query(`select count(*)::int as n from lending.${t}`)).rows[0].n).toBe(0);
      }
      expect((await h.adminSql('select count(*)::int as n from lending.credit_products'))[0].n).toBeGreaterThan(0);
    });
  });

  test('userErrors answer in the caller\'s language with the same details (range, currency)', async () => {
    await publishedProduct(h, tenantA, 'IDIOMA', { ...TERMS, minAmount: '1000', maxAmount: '10000' });
    const input = { tenantSlug: 'banco-a', productCode: 'IDIOMA', amount: '999.99', term: 2 };
    const Q = `query($input: SimulateCreditInput!) { simulateCredit(input: $input) { userErrors { code message field } } }`;
    const en = await gql(h.url, Q, { input });
    expect(en.data.simulateCredit.userErrors).toEqual([
      { code: 'AMOUNT_OUT_OF_RANGE', message: 'The amount must be between 1000.00 and 10000.00 MXN.', field: 'amount' },
      { code: 'TERM_OUT_OF_RANGE', message: 'The term must be between 3 and 36 installments.', field: 'term' },
    ]);
    const es = await gql(h.url, Q, { input }, { headers: { 'accept-language': 'es-MX,es;q=0.9' } });
    expect(es.data.simulateCredit.userErrors).toEqual([
      { code: 'AMOUNT_OUT_OF_RANGE', message: 'El monto debe estar entre 1000.00 y 10000.00 MXN.', field: 'amount' },
      { code: 'TERM_OUT_OF_RANGE', message: 'El plazo debe estar entre 3 y 36 cuotas.', field: 'term' },
    ]);
  });
});
