/**
 * Flow's test rig: the subgraph in-process on a fresh database and a private NATS namespace, a token
 * issuer, a GraphQL client and the flow events the outbox relay really published to JetStream.
 */
import crypto from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { EventEnvelope } from '@imagy/platform/events';
import { logicalSubject, streamName } from '@imagy/platform/events';
import { createTestBus, createTestDb, createTestIssuer, gql, waitFor, type GqlResult, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startFlow, type FlowSettings, type RunningFlow } from '../src/app';

export interface FlowRig {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  flow: RunningFlow;
  /** Every event on the namespace's FLOW stream so far (read by an ordered consumer). */
  events: EventEnvelope[];
  call<T = any>(query: string, variables?: Record<string, unknown>, token?: string, headers?: Record<string, string>): Promise<GqlResult<T>>;
  tenant(roles?: string[]): Promise<{ tenantId: string; token: string }>;
  /** Waits for an event matching `match` and returns it. */
  event(match: (e: EventEnvelope) => boolean): Promise<EventEnvelope>;
  stop(): Promise<void>;
}

export async function startFlowRig(label: string, settings: FlowSettings = {}): Promise<FlowRig> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const flow = await startFlow({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier, expirySweepMs: 0, ...settings });
  const events: EventEnvelope[] = [];
  const consumer = await jetstream(bus.nc).consumers.get(streamName(bus.ns, 'flow'));
  const messages = await consumer.consume();
  const reading = (async () => {
    for await (const m of messages) {
      const e = m.json<EventEnvelope>();
      events.push({ ...e, subject: logicalSubject(bus.ns, e.subject) as EventEnvelope['subject'] });
    }
  })();
  return {
    db, bus, issuer, flow, events,
    call: (query, variables, token, headers) => gql(flow.url, query, variables, { token, headers }),
    async tenant(roles = ['tenant_admin']) {
      const tenantId = crypto.randomUUID();
      return { tenantId, token: await issuer.mint({ tenantId, roles }) };
    },
    event: (match) => waitFor(async () => events.find(match) ?? null, 20_000, 25),
    async stop() {
      await messages.close();
      await reading.catch(() => undefined);
      await flow.stop();
      await bus.close();
      await db.drop();
    },
  };
}

export const CREATE_FLOW = `mutation($input: CreateFlowInput!) { createFlow(input: $input) { flow { id code draftVersion { id number status } } userErrors { code message field } } }`;
export const ADD_STEP = `mutation($input: AddFlowStepInput!) { addFlowStep(input: $input) { step { id key position type capability } userErrors { code message field } } }`;
export const ADD_RULE = `mutation($input: AddFlowRuleInput!) { addFlowRule(input: $input) { rule { id name kind stepKey outcome condition } userErrors { code message field } } }`;
export const PUBLISH = `mutation($input: FlowVersionRefInput!) { publishFlowVersion(input: $input) { version { id status publishedAt } userErrors { code message field } } }`;
export const TRIGGER = `mutation($input: TriggerExecutionInput!) { triggerExecution(input: $input) { request { id status outcome currentStepKey summary version { id number } steps { stepKey status } providerCalls { provider outcome attempts costReference } } accessToken replayed userErrors { code message field } } }`;
export const SESSION = `query($t: String!) { flowSession(accessToken: $t) { session { status outcome currentStep { key type inputSchema } completedStepKeys } userErrors { code message field } } }`;
export const SUBMIT = `mutation($input: SubmitFlowStepInput!) { submitFlowStep(input: $input) { session { status outcome currentStep { key } completedStepKeys } replayed userErrors { code message field } } }`;

/** Builds and publishes a flow: `steps` and `rules` as AddFlowStepInput / AddFlowRuleInput without versionId. */
export async function publishedFlow(rig: Pick<FlowRig, 'call'>, token: string, code: string, steps: Record<string, unknown>[], rules: Record<string, unknown>[] = []): Promise<{ flowId: string; versionId: string }> {
  const created = await rig.call(CREATE_FLOW, { input: { code, name: code } }, token);
  if (created.errors || created.data.createFlow.userErrors.length) throw new Error(JSON.stringify(created.errors ?? created.data.createFlow.userErrors));
  const versionId = created.data.createFlow.flow.draftVersion.id as string;
  for (const s of steps) {
    const r = await rig.call(ADD_STEP, { input: { versionId, ...s } }, token);
    if (r.errors || r.data.addFlowStep.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.addFlowStep.userErrors));
  }
  for (const rule of rules) {
    const r = await rig.call(ADD_RULE, { input: { versionId, ...rule } }, token);
    if (r.errors || r.data.addFlowRule.userErrors.length) throw new Error(JSON.stringify(r.errors ?? r.data.addFlowRule.userErrors));
  }
  const p = await rig.call(PUBLISH, { input: { versionId } }, token);
  if (p.errors || p.data.publishFlowVersion.userErrors.length) throw new Error(JSON.stringify(p.errors ?? p.data.publishFlowVersion.userErrors));
  return { flowId: created.data.createFlow.flow.id, versionId };
}
