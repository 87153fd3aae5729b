/**
 * Flow benchmarks (not run by `npm test`): `npx tsx bench/flow-bench.ts [--executions N] [--concurrency C] [--seconds S]`.
 *  1. rule evaluations/s: a compound condition (all/any/not, 7 leaves incl. between, in, matches)
 *     over an execution's data, with the subgraph's own evaluator (pure, one core);
 *  2. executions/s: `triggerExecution` of a published three-step automatic flow (credit bureau, AML,
 *     phone lookup, all the mock providers) with two OUTCOME rules, straight at the flow subgraph
 *     in-process on the machine's PostgreSQL and NATS (every execution: four short transactions
 *     under the row lock, the three provider calls made between them with no transaction open,
 *     KV session written per transaction, the work-list mark set and cleared, 1 + 3 + 3 + 1 outbox
 *     events). Default 400 executions, 8 in flight.
 * Prints a markdown table.
 */
import crypto from 'node:crypto';
import { createTestBus, createTestDb, createTestIssuer, gql } from '@imagy/platform/testing';
import { startFlow } from '../subgraphs/flow/src/app';
import { evaluate, validateCondition, type Condition } from '../subgraphs/flow/src/rules/rules';
import { arg } from './args';

process.env.APOLLO_TELEMETRY_DISABLED = '1';
process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';

const EXECUTIONS = arg('executions', 400);
const CONCURRENCY = arg('concurrency', 8);
const SECONDS = arg('seconds', 3);
const results: [string, string, string][] = [];

function rulesBench() {
  const condition: Condition = {
    all: [
      { op: 'gte', path: 'steps.bureau.score', value: 600 },
      { not: { op: 'eq', path: 'steps.aml.matched', value: true } },
      { any: [{ op: 'between', path: 'context.amount', value: [1000, 50000] }, { op: 'in', path: 'context.product', value: ['PERSONAL', 'PAYROLL', 'SME'] }] },
      { op: 'matches', path: 'steps.applicant.curp', value: '^[A-Z]{4}\\d{6}[HM][A-Z]{5}[0-9A-Z]\\d$' },
      { op: 'exists', path: 'steps.phone.lineType' },
      { op: 'ne', path: 'steps.phone.risk', value: 'HIGH' },
    ],
  };
  if (validateCondition(condition)) throw new Error('bench condition is invalid');
  const data = {
    subject: { ref: 'lending:application:1' },
    context: { amount: 25000, product: 'PERSONAL' },
    steps: { bureau: { score: 720, thinFile: false }, aml: { matched: false, score: 0.05 }, applicant: { curp: 'PEPA800101HDFRRN09' }, phone: { lineType: 'mobile', risk: 'LOW' } },
  };
  for (let i = 0; i < 10_000; i++) evaluate(condition, data);
  let n = 0;
  const started = performance.now();
  while (performance.now() - started < SECONDS * 1000) { for (let i = 0; i < 1000; i++) evaluate(condition, data); n += 1000; }
  const secs = (performance.now() - started) / 1000;
  results.push(['rule evaluation (6 conditions, 7 leaves, 1 regex)', `${Math.round(n / secs).toLocaleString('en')} evaluations/s`, `${n} in ${secs.toFixed(2)} s`]);
}

async function executionsBench() {
  const db = await createTestDb('benchflow');
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const flow = await startFlow({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, poolMax: CONCURRENCY + 2 });
  try {
    const token = await issuer.mint({ tenantId: crypto.randomUUID(), roles: ['tenant_admin'] });
    const call = async (query: string, variables: Record<string, unknown>) => {
      const r = await gql(flow.url, query, variables, { token });
      if (r.errors) throw new Error(JSON.stringify(r.errors));
      const payload = Object.values(r.data as Record<string, { userErrors?: unknown[] }>)[0]!;
      if (payload.userErrors?.length) throw new Error(JSON.stringify(payload.userErrors));
      return r.data;
    };
    const created = await call(`mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { draftVersion { id } } userErrors { code } } }`, { input: { code: 'AUTO3', name: 'Automatic three steps' } });
    const versionId = created.createFlow.flow.draftVersion.id;
    const ADD_STEP = `mutation($input: AddFlowStepInput!) { addFlowStep(input: $input) { step { id } userErrors { code } } }`;
    await call(ADD_STEP, { input: { versionId, key: 'bureau', name: 'Bureau', type: 'PROVIDER', capability: 'CREDIT_BUREAU', inputMapping: { documentNumber: 'context.documentNumber' } } });
    await call(ADD_STEP, { input: { versionId, key: 'aml', name: 'AML', type: 'PROVIDER', capability: 'AML_SCREENING', inputMapping: { documentNumber: 'context.documentNumber', name: 'context.name' } } });
    await call(ADD_STEP, { input: { versionId, key: 'phone', name: 'Phone', type: 'PROVIDER', capability: 'PHONE_LOOKUP', inputMapping: { phone: 'context.phone' } } });
    const ADD_RULE = `mutation($input: AddFlowRuleInput!) { addFlowRule(input: $input) { rule { id } userErrors { code } } }`;
    await call(ADD_RULE, { input: { versionId, name: 'listed', kind: 'OUTCOME', stepKey: 'aml', outcome: 'REJECTED', condition: { op: 'eq', path: 'steps.aml.matched', value: true } } });
    await call(ADD_RULE, { input: { versionId, name: 'risky', kind: 'OUTCOME', outcome: 'REVIEW', condition: { any: [{ op: 'lt', path: 'steps.bureau.score', value: 600 }, { op: 'eq', path: 'steps.phone.risk', value: 'HIGH' }] } } });
    await call(`mutation($input: FlowVersionRefInput!) { publishFlowVersion(input: $input) { version { id } userErrors { code } } }`, { input: { versionId } });

    const TRIGGER = `mutation($input: TriggerExecutionInput!) { triggerExecution(input: $input) { request { status outcome } userErrors { code } } }`;
    const one = async (i: number) => {
      const doc = `1234${String(i % 10_000).padStart(4, '0')}`;
      const r = await call(TRIGGER, { input: { flowCode: 'AUTO3', subjectRef: `bench:${i}`, context: { documentNumber: doc, name: 'Ana Pérez', phone: `+52${doc}00` } } });
      if (r.triggerExecution.request.status !== 'COMPLETED') throw new Error(`execution ${i} ended ${r.triggerExecution.request.status}`);
    };
    for (let i = 0; i < 20; i++) await one(-i - 1); // warm-up
    let next = 0;
    const started = performance.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, async () => { while (next < EXECUTIONS) await one(next++); }));
    const secs = (performance.now() - started) / 1000;
    results.push([`executions of a three-step automatic flow (mock providers), ${CONCURRENCY} in flight, direct to the subgraph`, `${(EXECUTIONS / secs).toFixed(1)} executions/s`, `${EXECUTIONS} in ${secs.toFixed(2)} s`]);
  } finally {
    await flow.stop();
    await bus.close();
    await db.drop();
  }
}

async function main() {
  rulesBench();
  await executionsBench();
  console.log('| measure | result | detail |\n| --- | --- | --- |');
  for (const [a, b, c] of results) console.log(`| ${a} | ${b} | ${c} |`);
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1); });
