/**
 * OTP for other subgraphs (platform events/rpc.ts): sign asks for a signing code and checks it
 * without a user token of its own. Same service, limits and events as requestOtp/verifyOtp; the
 * caller's tenant comes from the verified call, its end user's address from the call's `ip`.
 */
import { rpcMethod, type RpcCall, type RpcServerSpec } from '@imagy/platform/events';
import type { OtpRequester, OtpService } from './otp.service';

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);
const optionalString = (v: unknown) => v === null || typeof v === 'string';
const CHANNELS = new Set(['SMS', 'EMAIL', 'WHATSAPP']);

const requester = (call: RpcCall, userId: string | null, ip: string | null): OtpRequester => ({
  tenantId: call.tenantId, userId, ip, actor: call.actor, requestId: call.requestId,
});

export function otpRpc(otp: OtpService): RpcServerSpec[] {
  return [
    rpcMethod({
      method: 'notifications.otp.request',
      accepts: (d): d is { purpose: string; channel: 'SMS' | 'EMAIL' | 'WHATSAPP'; destination: string; locale: string | null; recipientUserId: string | null; ip: string | null } =>
        isObject(d) && typeof d.purpose === 'string' && typeof d.destination === 'string' && typeof d.channel === 'string' && CHANNELS.has(d.channel)
        && optionalString(d.locale) && optionalString(d.recipientUserId) && optionalString(d.ip),
      handler: async (d, call) => {
        const result = await otp.issue(requester(call, d.recipientUserId, d.ip), { purpose: d.purpose, destination: d.destination, channel: d.channel, locale: d.locale });
        const [error] = result.userErrors;
        if (error || !result.challenge) return { ok: false, code: error?.code ?? 'INTERNAL', field: error?.field ?? null };
        return { ok: true, data: { challengeId: result.challenge.id, expiresAt: result.challenge.expiresAt, destinationMasked: result.challenge.destination } };
      },
    }),
    rpcMethod({
      method: 'notifications.otp.verify',
      accepts: (d): d is { challengeId: string; code: string; purpose: string; ip: string | null } =>
        isObject(d) && typeof d.challengeId === 'string' && typeof d.code === 'string' && typeof d.purpose === 'string' && optionalString(d.ip),
      handler: async (d, call) => {
        const result = await otp.check(requester(call, null, d.ip), { challengeId: d.challengeId, code: d.code, purpose: d.purpose });
        if (result.verified) return { ok: true, data: { verified: true, attemptsLeft: null } };
        const [error] = result.userErrors;
        return { ok: false, code: error?.code ?? 'OTP_INVALID', field: error?.field ?? null };
      },
    }),
  ];
}
