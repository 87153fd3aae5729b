/**
 * Sign's side of the internal calls to notifications (platform events/rpc.ts): signing codes
 * (purpose `sign.document`) and the invitation carrying the signing link. Refusals become sign's own
 * userErrors; an unreachable notifications is NOTIFICATIONS_UNAVAILABLE (the caller's transaction
 * rolls back, nothing is recorded as sent).
 */
import { RpcUnavailableError, type EventActor, type RpcClient } from '@imagy/platform/events';
import { reject } from '../i18n/messages';

export const OTP_PURPOSE = 'sign.document';

export type SigningChannel = 'EMAIL' | 'SMS';

export interface CallScope { tenantId: string; actor: EventActor; requestId: string | null }

async function reachable<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof RpcUnavailableError) return reject('NOTIFICATIONS_UNAVAILABLE');
    throw e;
  }
}

const codeError = (code: string, field: string | null): never => {
  switch (code) {
    case 'OTP_COOLDOWN': return reject('CODE_COOLDOWN', { field: 'token' });
    case 'OTP_RATE_LIMITED': return reject('CODE_RATE_LIMITED', { field: 'token' });
    case 'OTP_LOCKED': return reject('CODE_LOCKED', { field: 'code' });
    case 'OTP_CODE_FORMAT': return reject('CODE_FORMAT', { field: 'code' });
    case 'OTP_INVALID': return reject('CODE_INVALID', { field: 'code' });
    case 'INTERNAL': return reject('NOTIFICATIONS_UNAVAILABLE');
    default: return reject('NOTIFICATION_REFUSED', { field: field === 'destination' ? 'token' : null, params: { name: 'signer', code: code.slice(0, 40) } });
  }
};

export class Notifier {
  constructor(private readonly rpc: RpcClient) {}

  async requestCode(scope: CallScope, to: { channel: SigningChannel; destination: string; locale: string; recipientUserId: string | null; ip: string | null }) {
    const result = await reachable(() => this.rpc.call('notifications.otp.request', { purpose: OTP_PURPOSE, ...to }, scope));
    if (!result.ok) return codeError(result.code, result.field);
    return result.data;
  }

  /** Resolves when the code verifies; rejects CODE_INVALID / CODE_LOCKED / CODE_FORMAT otherwise. */
  async verifyCode(scope: CallScope, challengeId: string, code: string, ip: string | null): Promise<void> {
    const result = await reachable(() => this.rpc.call('notifications.otp.verify', { challengeId, code, purpose: OTP_PURPOSE, ip }, scope));
    if (!result.ok) return codeError(result.code, result.field);
    if (!result.data.verified) reject('CODE_INVALID', { field: 'code' });
  }

  async send(scope: CallScope, message: { channel: SigningChannel; recipient: string; subject: string | null; body: string; locale: string; idempotencyKey: string; recipientUserId: string | null; signerName: string }): Promise<void> {
    const { signerName, ...data } = message;
    const result = await reachable(() => this.rpc.call('notifications.message.send', { templateKey: 'sign.invitation', ...data }, scope));
    if (!result.ok) {
      if (result.code === 'INTERNAL') reject('NOTIFICATIONS_UNAVAILABLE');
      reject('NOTIFICATION_REFUSED', { field: null, params: { name: signerName.slice(0, 60), code: result.code.slice(0, 40) } });
    }
  }
}
