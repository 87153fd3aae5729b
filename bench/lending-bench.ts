/**
 * Lending benchmarks (not run by `npm test`): `npx tsx bench/lending-bench.ts`.
 *  1. schedule generation: schedules/s for a 360-installment loan (pure loan-math);
 *  2. payment application: payments/s through the gateway (platform started as e2e/harness.ts does);
 *  3. delinquency: one business date over 100k credits (1.2M installments) bulk-inserted with SQL.
 * Prints a markdown table.
 * Options: `--only schedule|payments|delinquency` (one part; the delinquency part books the one sample
 * credit it copies), `--credits N` (delinquency size, default 100000).
 */
import { generateSchedule } from '../subgraphs/lending/src/loan-math';
import { CREATE_USER, DEV_PASSWORD, startPlatform } from '../e2e/harness';

process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

const results: [string, string, string][] = [];

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i >= 0) return process.argv[i + 1];
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}
const ONLY = arg('only');
if (ONLY && !['schedule', 'payments', 'delinquency'].includes(ONLY)) throw new Error(`--only must be schedule, payments or delinquency (got ${ONLY})`);
const CREDITS = Number(arg('credits') ?? 100000);
if (!Number.isInteger(CREDITS) || CREDITS < 1) throw new Error('--credits must be a positive integer');
const want = (part: string) => !ONLY || ONLY === part;

function scheduleBench() {
  const terms = { principal: '2500000', currency: 'MXN', numberOfInstallments: 360, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '10.5', dayCount: 'THIRTY_360', disbursementDate: '2026-01-15', fees: [{ code: 'OPENING', kind: 'PERCENTAGE', value: '1', charge: 'UPFRONT', taxRate: '16' }], interestTaxRate: '16' } as const;
  for (let i = 0; i < 5; i++) generateSchedule(terms as never);
  const started = performance.now();
  let n = 0;
  while (performance.now() - started < 3000) { generateSchedule(terms as never); n++; }
  const secs = (performance.now() - started) / 1000;
  results.push(['schedule generation, 360 monthly installments (incl. CAT by IRR)', `${(n / secs).toFixed(1)} schedules/s`, `${n} schedules in ${secs.toFixed(2)} s`]);
}

async function platformBench() {
  const p = await startPlatform({ label: 'benchlend' });
  try {
    const admin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    await p.call(CREATE_USER, { input: { email: 'checker@demo.bench', displayName: 'Checker', roles: ['tenant_admin'], password: 'checker-password-1' } }, admin.accessToken);
    const checker = await p.login('demo', 'checker@demo.bench', 'checker-password-1');
    const terms = { minAmount: '1000', maxAmount: '100000', minTerm: 3, maxTerm: 36, frequency: 'MONTHLY', interestMethod: 'DECLINING_EQUAL_INSTALLMENTS', annualNominalRate: '12', latePenalty: { kind: 'DAILY_RATE', rate: '0.1', graceDays: 3 } };
    const created = await p.call(`mutation($input: CreateCreditProductInput!) { createCreditProduct(input: $input) { product { id } version { id } userErrors { code } } }`, { input: { code: 'BENCH', name: 'Bench', currency: 'MXN', terms } }, admin.accessToken);
    const productId = created.data.createCreditProduct.product.id;
    const cr = await p.call(`mutation($input: RequestPublicationInput!) { requestPublication(input: $input) { changeRequest { id } } }`, { input: { versionId: created.data.createCreditProduct.version.id } }, admin.accessToken);
    await p.call(`mutation($input: ApproveChangeRequestInput!) { approveChangeRequest(input: $input) { userErrors { code } } }`, { input: { id: cr.data.requestPublication.changeRequest.id } }, checker.accessToken);

    // Payments through the gateway: 40 credits, 20 concurrent clients, 800 payments.
    const credits: string[] = [];
    for (let i = 0; i < (want('payments') ? 40 : 1); i++) {
      // The demo admin is a user lending knows (identity announced it): the benchmark's borrower.
      const b = await p.call(`mutation($input: BookCreditInput!) { bookCredit(input: $input) { credit { id } userErrors { code } } }`, { input: { productId, borrowerId: admin.user.id, principal: '50000', term: 36, disbursedAt: '2025-01-15', idempotencyKey: `bench-book-${i}` } }, admin.accessToken);
      credits.push(b.data.bookCredit.credit.id);
    }
    if (want('payments')) await paymentsBench(p, admin.accessToken, credits);
    if (want('delinquency')) await delinquencyBench(p, admin.user.tenantId, productId, credits[0]!);
  } finally {
    await p.stop();
  }
}

async function paymentsBench(p: Awaited<ReturnType<typeof startPlatform>>, token: string, credits: string[]) {
    const PAY = `mutation($input: RegisterPaymentInput!) { registerPayment(input: $input) { payment { id } userErrors { code } } }`;
    const total = 800;
    let next = 0;
    let failures = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < total) {
        const i = next++;
        const r = await p.call(PAY, { input: { creditId: credits[i % credits.length], amount: '25.00', paidAt: '2025-02-15', channel: 'SPEI', idempotencyKey: `bench-${i}` } }, token);
        if (r.errors || r.data.registerPayment.userErrors.length) failures++;
      }
    }));
    const secs = (performance.now() - started) / 1000;
    results.push(['registerPayment through the gateway (20 concurrent clients, 40 credits)', `${(total / secs).toFixed(1)} payments/s`, `${total} payments in ${secs.toFixed(2)} s, ${failures} failed`]);
}

async function delinquencyBench(p: Awaited<ReturnType<typeof startPlatform>>, tenantId: string, productId: string, sampleCredit: string) {
    // Delinquency over CREDITS (default 100k) credits.
    const [sample] = await p.sql(`select version_id, terms from lending.credits where id = $1`, [sampleCredit]);
    let t0 = performance.now();
    await p.sql(`insert into lending.credits (id, tenant_id, product_id, version_id, borrower_id, currency, minor_units, principal, number_of_installments, installment_amount, disbursed_at, terms, source, principal_outstanding,
        penalty_kind, penalty_rate, penalty_grace_days, penalty_period_days, default_threshold_days, buckets)
      select gen_random_uuid(), $1, $2, $3, gen_random_uuid(), 'MXN', 2, 12000, 12, 1066.19, date '2025-01-15' - (g % 150), $4::jsonb, 'BOOKED', 12000,
        s.penalty_kind, s.penalty_rate, s.penalty_grace_days, s.penalty_period_days, s.default_threshold_days, s.buckets
      from generate_series(1, $6::int) g, (select * from lending.credits where id = $5) s`, [tenantId, productId, sample.version_id, JSON.stringify(sample.terms), sampleCredit, CREDITS]);
    await p.sql(`insert into lending.installments (id, tenant_id, credit_id, number, due_date, principal_due, interest_due, fee_due, tax_due)
      select gen_random_uuid(), c.tenant_id, c.id, n, (c.disbursed_at + make_interval(months => n))::date, 1000, 66.19, 0, 0
      from lending.credits c cross join generate_series(1, 12) n where c.tenant_id = $1 and c.source = 'BOOKED' and not exists (select 1 from lending.installments i where i.credit_id = c.id)`, [tenantId]);
    await p.sql('analyze lending.credits; analyze lending.installments');
    const loadSecs = (performance.now() - t0) / 1000;
    const [{ n: creditCount }] = await p.sql(`select count(*)::int as n from lending.credits where tenant_id = $1`, [tenantId]);
    t0 = performance.now();
    const first = await p.lending.services.delinquency.run(tenantId, '2025-03-01');
    const firstSecs = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const second = await p.lending.services.delinquency.run(tenantId, '2025-03-02');
    const secondSecs = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const again = await p.lending.services.delinquency.run(tenantId, '2025-03-02');
    const againSecs = (performance.now() - t0) / 1000;
    const r1 = first.runs[0]!;
    const r2 = second.runs[0]!;
    results.push([`delinquency run, first date (${creditCount} credits, ${creditCount * 12} installments)`, `${firstSecs.toFixed(2)} s`, `${r1.creditsEvaluated} evaluated, ${r1.penaltiesBooked} penalties (${r1.penaltyTotals.map((t) => `${t.amount} ${t.currency}`).join(', ') || 'none'}), ${r1.defaulted} defaulted; bulk load ${loadSecs.toFixed(1)} s`]);
    results.push(['delinquency run, next date', `${secondSecs.toFixed(2)} s`, `${r2.penaltiesBooked} penalties, ${r2.defaulted} defaulted`]);
    results.push(['delinquency run, same date again (idempotent no-op)', `${(againSecs * 1000).toFixed(1)} ms`, `alreadyRun=${again.runs[0]?.alreadyRun}`]);
}

async function main() {
  if (want('schedule')) scheduleBench();
  if (want('payments') || want('delinquency')) await platformBench();
  process.stdout.write(['', '| benchmark | result | detail |', '|---|---|---|', ...results.map((r) => `| ${r.join(' | ')} |`), ''].join('\n') + '\n');
}

main().then(() => process.exit(0)).catch((e) => { console.error(e); process.exit(1); });
