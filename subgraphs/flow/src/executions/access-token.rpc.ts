/**
 * `flow.access_token.issue` (platform events/rpc.ts): the requester of an event-triggered run (lending,
 * for the application's borrower) asks for a fresh access token of the execution it started with
 * `externalRef`, to hand to the person who fills its public steps. The call is signed with the
 * installation's key and carries its tenant; the token never travels on the event bus. Same rules as
 * `issueFlowAccessToken` (only the newest token works).
 */
import { rpcMethod, type RpcServerSpec } from '@imagy/platform/events';
import type { ExecutionsService } from './executions.service';

export function accessTokenRpc(executions: ExecutionsService): RpcServerSpec[] {
  return [rpcMethod({
    method: 'flow.access_token.issue',
    accepts: (d): d is { externalRef: string } => !!d && typeof d === 'object' && typeof (d as { externalRef?: unknown }).externalRef === 'string',
    handler: async (d, call) => {
      const issued = await executions.issueToken(call.tenantId, d.externalRef);
      if (!issued.ok) return { ok: false, code: issued.code, field: issued.status ?? 'externalRef' };
      const r = issued.request;
      return { ok: true, data: { accessToken: issued.accessToken, requestId: r.id, status: r.status, currentStepKey: r.currentStepKey, expiresAt: r.expiresAt } };
    },
  })];
}
