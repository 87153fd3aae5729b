/**
 * Login throttling rules (pure). Two sliding windows, both kept in PostgreSQL so every replica
 * counts the same attempts (auth.store.ts, migration LoginThrottle):
 *
 *  - per account, keyed by (tenant, sha256 of the normalised e-mail) whether or not a user has that
 *    e-mail: 5 failed sign-ins within 15 minutes lock the key for 15 minutes (the 5th answer is
 *    already ACCOUNT_LOCKED); a successful sign-in clears it, and so does a new password set by an
 *    admin. An unknown e-mail is locked exactly like a real account, so the answers never tell
 *    whether an e-mail is registered.
 *  - per client address (IPv4 address, or the /64 of an IPv6 address, since one IPv6 host gets a
 *    whole /64): 30 failed sign-ins within 15 minutes, from any e-mail and any tenant; then every
 *    login from that address answers TOO_MANY_ATTEMPTS, without checking any password, until the
 *    oldest of those failures is 15 minutes old. Successful sign-ins do not count, so an office
 *    behind one NAT address is not locked out by its own users.
 */
import crypto from 'node:crypto';
import net from 'node:net';

export interface ThrottleLimits {
  /** Failed sign-ins of one account key within `accountWindowSeconds` that lock it. */
  accountMaxFailures: number;
  accountWindowSeconds: number;
  /** How long a lock lasts. */
  lockSeconds: number;
  /** Failed sign-ins from one client address within `addressWindowSeconds` before it is refused. */
  addressMaxFailures: number;
  addressWindowSeconds: number;
}

export const DEFAULT_LIMITS: ThrottleLimits = {
  accountMaxFailures: 5,
  accountWindowSeconds: 15 * 60,
  lockSeconds: 15 * 60,
  addressMaxFailures: 30,
  addressWindowSeconds: 15 * 60,
};

const sha256 = (text: string) => crypto.createHash('sha256').update(text, 'utf8').digest('hex');

/** Key of an account: the e-mail as login normalises it, hashed (the table never holds e-mails). */
export const accountKey = (normalisedEmail: string): string => sha256(normalisedEmail);

/**
 * The throttled unit of a client address: an IPv4 address (also when written IPv4-mapped, e.g.
 * `::ffff:10.0.0.1`), the first 64 bits of an IPv6 address, or `unknown` when the server saw none.
 */
export function addressUnit(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const raw = ip.trim().replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(raw);
  if (mapped && net.isIPv4(mapped[1]!)) return mapped[1]!;
  if (net.isIPv4(raw)) return raw;
  if (!net.isIPv6(raw)) return 'unknown';
  return `${expandIPv6(raw).slice(0, 4).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, as lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  let text = address.toLowerCase();
  // A trailing dotted IPv4 part stands for the last two groups.
  const v4 = /(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => parseInt(g, 16).toString(16));
}

export const addressKey = (ip: string | null | undefined): string => sha256(`addr:${addressUnit(ip)}`);
