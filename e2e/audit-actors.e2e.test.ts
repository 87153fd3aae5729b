/**
 * Audit actors from outside the tenant, through the gateway: the platform admin acts in tenant
 * demo, then demo's tenant admin reads the audit report by actor and the events. The foreign actor
 * keeps its id but is never resolved through identity's `User` (which would answer null for
 * another tenant's user and fail the non-null `User.email` at the gateway), and nothing of the
 * platform admin's profile reaches the tenant.
 */
import { waitFor } from '@imagy/platform/testing';
import { CREATE_USER, DEV_PASSWORD, startPlatform, type Platform } from './harness';

const REPORT = `query($from: DateTime!, $to: DateTime!) {
  auditReport(groupBy: ACTOR, from: $from, to: $to) { key count actorKind actor { id email displayName } }
}`;
const EVENTS = `query($filter: AuditEventFilter) {
  auditEvents(filter: $filter, first: 50) { edges { node { id classUid activityId resourceId actorUserId actorKind actor { id email displayName } ocsf } } }
}`;

describe('audit actors from another tenant, through the gateway', () => {
  let p: Platform;
  beforeAll(async () => { p = await startPlatform({ label: 'e2eauditactors' }); });
  afterAll(async () => { await p?.stop(); });

  test('the platform admin acting in tenant demo appears in demo\'s ACTOR report and search as an external actor, without errors or profile', async () => {
    const demoAdmin = await p.login('demo', 'admin@demo.localhost', DEV_PASSWORD);
    const platformAdmin = await p.login('platform', 'admin@platform.localhost', DEV_PASSWORD);
    const created = await p.call(CREATE_USER, {
      input: { tenantId: demoAdmin.user.tenantId, email: 'hecho.por.plataforma@demo.test', displayName: 'Hecho por plataforma', roles: ['staff'], password: 'plataforma-password-1' },
    }, platformAdmin.accessToken);
    expect(created.data.createUser.userErrors).toEqual([]);
    const newUser = created.data.createUser.user.id as string;
    // And the demo admin acts too (creates a user), so the report holds a local actor beside the foreign one.
    const local = await p.call(CREATE_USER, { input: { email: 'hecho.por.demo@demo.test', displayName: 'Hecho por demo', roles: ['staff'], password: 'demo-password-123' } }, demoAdmin.accessToken);
    const localUser = local.data.createUser.user.id as string;

    const events = await waitFor(async () => {
      const r = await p.call(EVENTS, { filter: { classUid: 3001, activityId: 1 } }, demoAdmin.accessToken);
      const nodes = r.data?.auditEvents.edges.map((e: any) => e.node) ?? [];
      const byPlatform = nodes.find((n: any) => n.resourceId === newUser);
      const byDemo = nodes.find((n: any) => n.resourceId === localUser);
      return byPlatform && byDemo ? { r, byPlatform, byDemo } : null;
    }, 20_000, 200);
    expect(events.r.errors).toBeUndefined();
    expect(events.byPlatform).toMatchObject({ actorUserId: platformAdmin.user.id, actorKind: 'EXTERNAL_USER', actor: null });
    expect(events.byDemo).toMatchObject({ actorUserId: demoAdmin.user.id, actorKind: 'USER', actor: { id: demoAdmin.user.id, email: 'admin@demo.localhost' } });
    // The stored event does not claim the platform admin belongs to demo.
    expect(events.byPlatform.ocsf.actor.user).toEqual({ uid: platformAdmin.user.id, type_id: 1, type: 'User' });

    const from = new Date(Date.now() - 3600_000).toISOString();
    const to = new Date(Date.now() + 3600_000).toISOString();
    const report = await p.call(REPORT, { from, to }, demoAdmin.accessToken);
    expect(report.errors).toBeUndefined();
    const rows: any[] = report.data.auditReport;
    expect(rows.find((r) => r.key === platformAdmin.user.id)).toEqual({ key: platformAdmin.user.id, count: expect.any(Number), actorKind: 'EXTERNAL_USER', actor: null });
    expect(rows.find((r) => r.key === demoAdmin.user.id)).toMatchObject({ actorKind: 'USER', actor: { id: demoAdmin.user.id, email: 'admin@demo.localhost', displayName: expect.any(String) } });
    // Nothing of the platform admin's profile reaches the tenant.
    for (const body of [JSON.stringify(report), JSON.stringify(events.r)]) {
      expect(body).not.toContain('admin@platform.localhost');
      expect(body).not.toContain('Platform Admin');
    }
  });
});
