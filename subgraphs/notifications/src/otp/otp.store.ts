/** All SQL of one-time-code challenges (tenant table under RLS). Codes are stored only as salted hashes. */
import { iso, type Em } from '@imagy/platform/db';
import type { Channel } from '../templates/render';

export type OtpStatus = 'PENDING' | 'VERIFIED' | 'LOCKED';

export interface OtpChallengeRow {
  id: string;
  purpose: string;
  channel: Channel;
  destinationHash: string;
  destination: string;
  salt: string;
  codeHash: string;
  status: OtpStatus;
  attempts: number;
  maxAttempts: number;
  expiresAt: string;
  expired: boolean;
}

interface Row { id: string; purpose: string; channel: Channel; destination_hash: string; destination_masked: string; salt: string; code_hash: string; status: OtpStatus; attempts: number; max_attempts: number; expires_at: string; expired: boolean }

const COLUMNS = `id, purpose, channel, destination_hash, destination_masked, salt, code_hash, status, attempts, max_attempts, ${iso('expires_at')} as expires_at, expires_at <= clock_timestamp() as expired`;
const toChallenge = (r: Row): OtpChallengeRow => ({
  id: r.id, purpose: r.purpose, channel: r.channel, destinationHash: r.destination_hash, destination: r.destination_masked, salt: r.salt, codeHash: r.code_hash,
  status: r.status, attempts: r.attempts, maxAttempts: r.max_attempts, expiresAt: r.expires_at, expired: r.expired,
});

export const otpStore = {
  /** Serialises requests for one destination (cooldown and rate limits are checked under it). */
  async lockDestination(em: Em, destinationHash: string): Promise<void> {
    await em.execute(`select pg_advisory_xact_lock(hashtextextended('notifications.otp/' || current_setting('app.tenant_id') || '/' || ?, 0))`, [destinationHash]);
  },

  /** Seconds since the destination's last challenge (null: none), and counts in the last hour by destination and by address. */
  /**
   * Time since the destination's last code for this purpose (the resend cooldown: a phone verified a
   * moment ago may still receive its signing code), and the hourly counts per destination (every
   * purpose) and per client address.
   */
  async recent(em: Em, destinationHash: string, purpose: string, ip: string | null): Promise<{ sinceLastMs: number | null; byDestination: number; byIp: number }> {
    const rows = await em.execute<{ since_last_ms: string | null; by_destination: string; by_ip: string }[]>(
      `select (select extract(epoch from clock_timestamp() - max(created_at)) * 1000 from otp_challenges where destination_hash = ? and purpose = ?) as since_last_ms,
              (select count(*) from otp_challenges where destination_hash = ? and created_at > clock_timestamp() - interval '1 hour') as by_destination,
              (select count(*) from otp_challenges where ip = ? and created_at > clock_timestamp() - interval '1 hour') as by_ip`,
      [destinationHash, purpose, destinationHash, ip],
    );
    const r = rows[0]!;
    return { sinceLastMs: r.since_last_ms === null ? null : Number(r.since_last_ms), byDestination: Number(r.by_destination), byIp: ip === null ? 0 : Number(r.by_ip) };
  },

  /** Earlier pending codes of a destination and purpose stop working when a new one is sent (one live code at a time). */
  async supersede(em: Em, destinationHash: string, purpose: string): Promise<void> {
    await em.execute(`update otp_challenges set status = 'LOCKED' where destination_hash = ? and purpose = ? and status = 'PENDING'`, [destinationHash, purpose]);
  },

  async insert(em: Em, c: { id: string; tenantId: string; purpose: string; channel: Channel; destinationHash: string; destinationMasked: string; salt: string; codeHash: string; maxAttempts: number; ttlMs: number; ip: string | null }): Promise<OtpChallengeRow> {
    const rows = await em.execute<Row[]>(
      `insert into otp_challenges (id, tenant_id, purpose, channel, destination_hash, destination_masked, salt, code_hash, status, max_attempts, expires_at, ip)
       values (?, ?, ?, ?, ?, ?, ?, ?, 'PENDING', ?, clock_timestamp() + (? * interval '1 millisecond'), ?) returning ${COLUMNS}`,
      [c.id, c.tenantId, c.purpose, c.channel, c.destinationHash, c.destinationMasked, c.salt, c.codeHash, c.maxAttempts, c.ttlMs, c.ip],
    );
    return toChallenge(rows[0]!);
  },

  async lockById(em: Em, id: string): Promise<OtpChallengeRow | null> {
    const rows = await em.execute<Row[]>(`select ${COLUMNS} from otp_challenges where id = ? for update`, [id]);
    return rows[0] ? toChallenge(rows[0]) : null;
  },

  async markVerified(em: Em, id: string): Promise<void> {
    await em.execute(`update otp_challenges set status = 'VERIFIED', verified_at = clock_timestamp(), attempts = attempts + 1 where id = ?`, [id]);
  },

  async countFailure(em: Em, id: string, lock: boolean): Promise<void> {
    await em.execute(`update otp_challenges set attempts = attempts + 1, status = case when ? then 'LOCKED' else status end where id = ?`, [lock, id]);
  },
};
