/**
 * Test harness: lending in-process on a fresh database (real PostgreSQL), a private NATS namespace
 * (real JetStream) and an in-memory token issuer. Tenants reach lending's directory the real way:
 * as signed identity.tenant.created events on JetStream.
 */
import crypto from 'node:crypto';
import { Client } from 'pg';
import { jetstream } from '@nats-io/jetstream';
import { wireSubject } from '@imagy/platform/events';
import { createTestBus, createTestDb, createTestIssuer, gql, waitFor, type GqlResult, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startLending, type RunningLending } from '../src/app';

export interface Harness {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  lending: RunningLending;
  url: string;
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string): Promise<GqlResult<T>>;
  /** Announces a tenant as identity would and waits until lending's directory has it (with its time zone when given). */
  tenant(slug: string, options?: { timezone?: string }): Promise<string>;
  /** Announces a user of the tenant as identity would (identity.user.created) and waits until lending knows it; returns its id. */
  user(tenantId: string, userId?: string): Promise<string>;
  token(tenantId: string, roles: string[], userId?: string): Promise<string>;
  /** SQL as the database superuser (bypasses RLS): for assertions only. */
  adminSql<T = any>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

/** `now`: the clock lending reads business dates from (default: the system clock). */
export async function startHarness(label: string, options: { now?: () => Date; originationJobMs?: number; applicationTtlHours?: number } = {}): Promise<Harness> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const lending = await startLending({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: 12, delinquencyIntervalMs: 0, now: options.now, originationJobMs: options.originationJobMs ?? 0, applicationTtlHours: options.applicationTtlHours });
  const adminSql: Harness['adminSql'] = async (sql, params = []) => {
    const client = new Client({ connectionString: db.adminUrl });
    await client.connect();
    try { return (await client.query(sql, params)).rows; } finally { await client.end(); }
  };
  const js = jetstream(bus.nc);
  return {
    db, bus, issuer, lending, url: lending.url, adminSql,
    call: (query, variables, token) => gql(lending.url, query, variables, { token }),
    token: (tenantId, roles, userId) => issuer.mint({ tenantId, roles, userId }),
    async tenant(slug, options = {}) {
      const tenantId = crypto.randomUUID();
      const envelope = bus.signer.sign({
        id: crypto.randomUUID(), subject: 'identity.tenant.created', tenantId, occurredAt: new Date().toISOString(),
        actor: { kind: 'system', userId: null }, requestId: null, data: { tenantId, slug, name: `Tenant ${slug}`, hostnames: [`${slug}.example.test`], status: 'ACTIVE', ...(options.timezone ? { timezone: options.timezone } : {}) }, schemaVersion: 1,
      });
      await js.publish(wireSubject(bus.ns, envelope.subject), JSON.stringify(envelope), { msgID: envelope.id });
      await waitFor(async () => (await adminSql('select 1 from lending.tenants where id = $1 and timezone is not distinct from $2', [tenantId, options.timezone ?? null])).length > 0, 15_000);
      return tenantId;
    },
    async user(tenantId, userId = crypto.randomUUID()) {
      const envelope = bus.signer.sign({
        id: crypto.randomUUID(), subject: 'identity.user.created', tenantId, occurredAt: new Date().toISOString(),
        actor: { kind: 'system', userId: null }, requestId: null, data: { userId, email: `${userId}@example.test`, roles: ['borrower'] }, schemaVersion: 1,
      });
      await js.publish(wireSubject(bus.ns, envelope.subject), JSON.stringify(envelope), { msgID: envelope.id });
      await waitFor(async () => (await adminSql('select 1 from lending.users where id = $1 and tenant_id = $2', [userId, tenantId])).length > 0, 15_000);
      return userId;
    },
    async close() {
      await lending.stop();
      await bus.close();
      await db.drop();
    },
  };
}

export const uuid = () => crypto.randomUUID();

export const TERMS = {
  minAmount: '1000.00', maxAmount: '100000.00', minTerm: 3, maxTerm: 36, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS',
  annualNominalRate: '12', dayCount: 'THIRTY_360',
};

export const PRODUCT_FIELDS = 'id code name currency status versions { id number status terms { minAmount maxAmount minTerm maxTerm allocationOrder prepaymentRule defaultThresholdDays latePenalty { kind rate graceDays } delinquencyBuckets { name minDays maxDays } fees { code kind value charge taxRate } } } publishedVersion { id number } pendingChangeRequests { id kind status }';
export const CREATE_PRODUCT = `mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { ${PRODUCT_FIELDS} } version { id number status } userErrors { code message field } } }`;
export const REQUEST_PUBLICATION = `mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id kind status makerId } userErrors { code message field } } }`;
export const APPROVE = `mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { changeRequest { id status checkerId version { id status } } userErrors { code message field } } }`;
export const BOOK = `mutation($input: BookCreditInput!) { bookCredit(input: $input) { replayed credit { id status principal currency numberOfInstallments installmentAmount disbursedAt version { id number } schedule { number dueDate principalDue interestDue totalDue outstanding } } userErrors { code message field } } }`;
export const PAY = `mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { replayed payment { id amount status principal interest fee tax penalty prepaidPrincipal paidAt } credit { id status principal numberOfInstallments installmentAmount outstanding { principal interest total } schedule { number dueDate principalDue interestDue principalPaid interestPaid outstanding status } } userErrors { code message field } } }`;

/** A tenant with a published product (maker and checker are different admins). */
export async function publishedProduct(h: Harness, tenantId: string, code: string, terms: Record<string, unknown> = TERMS, currency = 'MXN') {
  const maker = await h.token(tenantId, ['tenant_admin']);
  const checker = await h.token(tenantId, ['product_checker']);
  const created = await h.call(CREATE_PRODUCT, { input: { code, name: `Product ${code}`, currency, terms } }, maker);
  if (created.errors || created.data.createCreditProduct.userErrors.length) throw new Error(JSON.stringify(created.errors ?? created.data.createCreditProduct.userErrors));
  const versionId = created.data.createCreditProduct.version.id as string;
  const cr = await h.call(REQUEST_PUBLICATION, { input: { versionId } }, maker);
  const approved = await h.call(APPROVE, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker);
  if (approved.errors || approved.data.approveChangeRequest.userErrors.length) throw new Error(JSON.stringify(approved.errors ?? approved.data.approveChangeRequest.userErrors));
  return { productId: created.data.createCreditProduct.product.id as string, versionId, maker, checker };
}
