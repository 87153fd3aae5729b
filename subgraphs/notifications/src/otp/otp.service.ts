/**
 * OTP: requestOtp sends a crypto-random code (critical: opt-outs do not apply) and stores only its
 * salted scrypt hash; verifyOtp compares in constant time. Limits: TTL, wrong codes before the
 * challenge locks, a resend cooldown and hourly limits per destination and per client address
 * (counted in PostgreSQL, under a per-destination lock). A correct code verifies once; every
 * verification is an event (notifications.otp.verified / .failed) that commits even when the answer
 * is a userError.
 */
import crypto from 'node:crypto';
import { inTenantTx, isUuid, type Em, type Orm } from '@imagy/platform/db';
import type { EventActor, Outbox } from '@imagy/platform/events';
import { payload } from '@imagy/platform/graphql';
import { actorOf, requireUser, type Caller } from '@imagy/platform/server';
import { maskRecipient, normaliseRecipient, recipientHash } from '../common/recipients';
import { reject, userError } from '../i18n/messages';
import type { PendingRound } from '../delivery/delivery.service';
import type { RequestsService } from '../requests/requests.service';
import { TEMPLATE_KEY, LOCALE, type Channel } from '../templates/render';
import type { TemplatesService } from '../templates/templates.service';
import { templatesStore } from '../templates/templates.store';
import { codeMatches, hashCode, newCode, newSalt } from './otp.codes';
import { otpStore, type OtpChallengeRow } from './otp.store';

export interface OtpPolicy {
  digits: number;
  ttlMs: number;
  maxAttempts: number;
  resendCooldownMs: number;
  perDestinationPerHour: number;
  perIpPerHour: number;
}

export const DEFAULT_OTP_POLICY: OtpPolicy = { digits: 6, ttlMs: 5 * 60_000, maxAttempts: 5, resendCooldownMs: 30_000, perDestinationPerHour: 5, perIpPerHour: 20 };

/** The tenant may override the text with a template of this key per channel (variables code, minutes). */
export const OTP_TEMPLATE_KEY = 'notifications.otp';
const OTP_CHANNELS: readonly Channel[] = ['EMAIL', 'SMS', 'WHATSAPP'];

const BUILT_IN = {
  en: { subject: 'Your verification code', body: (code: string, minutes: number) => `Your Imagy verification code is ${code}. It expires in ${minutes} minutes. Do not share it.` },
  es: { subject: 'Su código de verificación', body: (code: string, minutes: number) => `Su código de verificación de Imagy es ${code}. Vence en ${minutes} minutos. No lo comparta.` },
};

export interface OtpRequestInput { purpose: string; destination: string; channel: Channel; locale?: string | null }

/** Who asks: a signed-in caller, or another subgraph calling for its own user (recipient and client address passed on). */
export interface OtpRequester { tenantId: string; userId: string | null; ip: string | null; actor: EventActor; requestId: string | null }

export interface OtpChallenge { id: string; purpose: string; channel: Channel; destination: string; status: OtpChallengeRow['status']; expiresAt: string }

const view = (c: OtpChallengeRow): OtpChallenge => ({ id: c.id, purpose: c.purpose, channel: c.channel, destination: c.destination, status: c.status, expiresAt: c.expiresAt });

export class OtpService {
  constructor(
    private readonly orm: Orm,
    private readonly outbox: Outbox,
    private readonly templates: TemplatesService,
    private readonly requests: RequestsService,
    private readonly recipientKey: Buffer,
    private readonly policy: OtpPolicy,
  ) {}

  async request(caller: Caller, input: OtpRequestInput) {
    const auth = requireUser(caller.auth);
    return this.issue({ tenantId: auth.tenantId, userId: auth.userId, ip: caller.ip, actor: actorOf(caller), requestId: caller.requestId }, input);
  }

  /**
   * requestOtp for a signed-in caller or for another subgraph's call (otp.rpc.ts), one implementation:
   * commits the challenge and its message (QUEUED) in one transaction, then runs the message's first
   * delivery round outside it; a round that fails transiently is retried by the sweeper.
   */
  async issue(who: OtpRequester, input: OtpRequestInput) {
    const auth = who;
    const caller = who;
    const first: { round: PendingRound | null } = { round: null };
    const out = await payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      const purpose = input.purpose.trim();
      if (!TEMPLATE_KEY.test(purpose) || purpose.length > 80) reject('OTP_PURPOSE_INVALID', { field: 'purpose' });
      if (!OTP_CHANNELS.includes(input.channel)) reject('OTP_CHANNEL_UNSUPPORTED', { field: 'channel' });
      if (input.locale != null && !LOCALE.test(input.locale)) reject('LOCALE_INVALID', { field: 'locale', params: { locale: input.locale.slice(0, 20) } });
      const destination = normaliseRecipient(input.channel, input.destination);
      if ('problem' in destination) return reject(destination.problem, { field: 'destination' });
      const hash = recipientHash(this.recipientKey, auth.tenantId, input.channel, destination.value);
      await otpStore.lockDestination(em, hash);
      const recent = await otpStore.recent(em, hash, purpose, caller.ip);
      if (recent.sinceLastMs !== null && recent.sinceLastMs < this.policy.resendCooldownMs) {
        reject('OTP_COOLDOWN', { field: 'destination', params: { seconds: Math.ceil((this.policy.resendCooldownMs - recent.sinceLastMs) / 1000) } });
      }
      if (recent.byDestination >= this.policy.perDestinationPerHour) reject('OTP_RATE_LIMITED', { field: 'destination' });
      if (recent.byIp >= this.policy.perIpPerHour) reject('OTP_RATE_LIMITED', { field: null });

      await otpStore.supersede(em, hash, purpose);
      const code = newCode(this.policy.digits);
      const salt = newSalt();
      const challenge = await otpStore.insert(em, {
        id: crypto.randomUUID(), tenantId: auth.tenantId, purpose, channel: input.channel, destinationHash: hash, destinationMasked: maskRecipient(input.channel, destination.value),
        salt, codeHash: await hashCode(code, salt), maxAttempts: this.policy.maxAttempts, ttlMs: this.policy.ttlMs, ip: caller.ip,
      });
      const text = await this.textOf(em, input.channel, input.locale ?? null, code);
      const queued = await this.requests.sendIn(em, {
        tenantId: auth.tenantId, actor: who.actor, requestId: who.requestId, createdBy: auth.userId, source: 'OTP', idempotencyKey: `otp:${challenge.id}`,
        channel: input.channel, recipient: destination.value, templateKey: OTP_TEMPLATE_KEY, locale: text.locale, variables: {}, critical: true, recipientUserId: auth.userId,
        preRendered: { templateKey: OTP_TEMPLATE_KEY, ...text, variables: { code } }, deliverAfterCommit: true, deliverBy: new Date(Date.parse(challenge.expiresAt)),
      });
      first.round = queued.pending;
      return { challenge: view(challenge) };
    }), { challenge: null });
    if (first.round) await this.requests.deliverQueued(first.round);
    return out;
  }

  /** The tenant's `notifications.otp` template for the channel if it has one, else the built-in text. */
  private async textOf(em: Em, channel: Channel, locale: string | null, code: string): Promise<{ locale: string; subject: string | null; body: string }> {
    const minutes = Math.max(1, Math.round(this.policy.ttlMs / 60_000));
    if (await templatesStore.byKey(em, OTP_TEMPLATE_KEY, channel)) {
      const r = await this.templates.renderIn(em, { templateKey: OTP_TEMPLATE_KEY, channel, locale, variables: { code, minutes } });
      return { locale: r.locale, subject: r.subject, body: r.body };
    }
    const language = locale?.split('-')[0] === 'es' ? 'es' : 'en';
    return { locale: language, subject: channel === 'EMAIL' ? BUILT_IN[language].subject : null, body: BUILT_IN[language].body(code, minutes) };
  }

  async verify(caller: Caller, input: { challengeId: string; code: string }) {
    const auth = requireUser(caller.auth);
    return this.check({ tenantId: auth.tenantId, userId: auth.userId, ip: caller.ip, actor: actorOf(caller), requestId: caller.requestId }, input);
  }

  /**
   * verifyOtp for a request or another subgraph's call. `purpose`, when given, must be the
   * challenge's: a code sent to verify a phone number cannot sign a contract (OTP_INVALID).
   */
  async check(who: OtpRequester, input: { challengeId: string; code: string; purpose?: string }) {
    const auth = who;
    const none = { verified: false, attemptsLeft: null };
    return payload(() => inTenantTx(this.orm, { tenantId: auth.tenantId }, async (em) => {
      if (!new RegExp(`^\\d{${this.policy.digits}}$`).test(input.code)) reject('OTP_CODE_FORMAT', { field: 'code', params: { digits: this.policy.digits } });
      const challenge = isUuid(input.challengeId) ? await otpStore.lockById(em, input.challengeId) : null;
      if (!challenge || (input.purpose !== undefined && challenge.purpose !== input.purpose)) return reject('OTP_INVALID', { field: 'challengeId' });
      const meta = { tenantId: auth.tenantId, actor: who.actor, requestId: who.requestId };
      const base = { challengeId: challenge.id, purpose: challenge.purpose, channel: challenge.channel, destination: challenge.destination };
      const fail = async (reason: 'WRONG_CODE' | 'EXPIRED' | 'LOCKED' | 'USED', attemptsLeft: number) => {
        await this.outbox.publish(em, 'notifications.otp.failed', { ...base, reason, attemptsLeft }, meta);
        const error = reason === 'LOCKED' ? userError('OTP_LOCKED', { field: 'code' }) : userError('OTP_INVALID', { field: 'code' });
        return { verified: false, attemptsLeft, userErrors: [error] };
      };
      if (challenge.status === 'VERIFIED') return fail('USED', 0);
      if (challenge.status === 'LOCKED') return fail('LOCKED', 0);
      if (challenge.expired) return fail('EXPIRED', 0);
      if (await codeMatches(input.code, challenge.salt, challenge.codeHash)) {
        await otpStore.markVerified(em, challenge.id);
        await this.outbox.publish(em, 'notifications.otp.verified', base, meta);
        return { verified: true, attemptsLeft: null };
      }
      const attemptsLeft = Math.max(0, challenge.maxAttempts - challenge.attempts - 1);
      await otpStore.countFailure(em, challenge.id, attemptsLeft === 0);
      return fail(attemptsLeft === 0 ? 'LOCKED' : 'WRONG_CODE', attemptsLeft);
    }), none);
  }
}
