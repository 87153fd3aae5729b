/** Shared setup of the audit integration suites: real Postgres, real NATS, in-process subgraph. */
import crypto from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { inTenantTx } from '@imagy/platform/db';
import { streamName, wireSubject, type EventActor, type EventEnvelope, type EventSubject } from '@imagy/platform/events';
import { createTestBus, createTestDb, createTestIssuer, gql, waitFor, type TestBus, type TestDb, type TestIssuer } from '@imagy/platform/testing';
import { startAudit, type RunningAudit } from '../src/app';

export interface Harness {
  db: TestDb;
  bus: TestBus;
  issuer: TestIssuer;
  audit: RunningAudit;
  /** Signs and publishes an envelope straight to JetStream (Nats-Msg-Id = event id unless msgId given). */
  publish(subject: string, data: Record<string, unknown>, meta: { tenantId: string | null; actor?: EventActor; occurredAt?: Date; id?: string; requestId?: string | null; msgId?: string }): Promise<EventEnvelope>;
  /** Waits until the audit row of a source event exists; returns its OCSF JSON. */
  stored(eventId: string, timeoutMs?: number): Promise<Record<string, any>>;
  rowsOf(eventId: string): Promise<number>;
  /**
   * Waits until `audit.event.recorded` of a stored audit event is in the AUDIT stream: NATS has
   * then fanned it out to every live-tail subscriber of that moment, so a subscriber that connects
   * afterwards can never receive it.
   */
  announced(auditEventId: string, timeoutMs?: number): Promise<void>;
  token(tenantId: string, roles: string[], userId?: string): Promise<string>;
  query<T = any>(query: string, variables?: Record<string, unknown>, token?: string): ReturnType<typeof gql<T>>;
  close(): Promise<void>;
}

export async function startHarness(label: string): Promise<Harness> {
  const db = await createTestDb(label);
  const bus = await createTestBus();
  const issuer = await createTestIssuer();
  const audit = await startAudit({ adminUrl: db.adminUrl, port: 0, host: '127.0.0.1', nc: bus.nc, ns: bus.ns, signer: bus.signer, verifier: issuer.verifier });
  const js = jetstream(bus.nc);
  const rowsOf = async (eventId: string) => {
    const rows = await inTenantTx(audit.orm, { tenantId: null, allTenants: true }, (em) => em.execute('select ocsf from audit_events where source_event_id = ?', [eventId]));
    return rows.length;
  };
  return {
    db, bus, issuer, audit, rowsOf,
    async publish(subject, data, meta) {
      const envelope = bus.signer.sign({
        id: meta.id ?? crypto.randomUUID(),
        subject: subject as EventSubject,
        tenantId: meta.tenantId,
        occurredAt: (meta.occurredAt ?? new Date()).toISOString(),
        actor: meta.actor ?? { kind: 'system', userId: null },
        requestId: meta.requestId === undefined ? `req-${crypto.randomUUID()}` : meta.requestId,
        data: data as never,
        schemaVersion: 1,
      });
      await js.publish(wireSubject(bus.ns, subject), JSON.stringify(envelope), { msgID: meta.msgId ?? envelope.id });
      return envelope as EventEnvelope;
    },
    async stored(eventId, timeoutMs = 10_000) {
      return waitFor(async () => {
        const rows = await inTenantTx(audit.orm, { tenantId: null, allTenants: true }, (em) => em.execute('select ocsf from audit_events where source_event_id = ?', [eventId]));
        return (rows[0] as { ocsf: Record<string, any> } | undefined)?.ocsf;
      }, timeoutMs);
    },
    async announced(auditEventId, timeoutMs = 10_000) {
      const jsm = await jetstreamManager(bus.nc);
      const stream = streamName(bus.ns, 'audit');
      await waitFor(async () => {
        const info = await jsm.streams.info(stream);
        for (let seq = info.state.last_seq; seq >= info.state.first_seq && info.state.messages > 0; seq--) {
          const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (m?.json<{ data: { eventId: string } }>().data.eventId === auditEventId) return true;
        }
        return null;
      }, timeoutMs);
    },
    token: (tenantId, roles, userId) => issuer.mint({ tenantId, roles, userId }),
    query: (query, variables, token) => gql(audit.url, query, variables, { token }),
    async close() {
      await audit.stop();
      await bus.close();
      await db.drop();
    },
  };
}

export const uuid = () => crypto.randomUUID();
