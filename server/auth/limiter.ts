import crypto from 'node:crypto';
import net from 'node:net';
import { getConfig, getJwtSecret } from '@/server/config';
import { LimiterWindowRepository } from '@/server/db/repositories/limiter-windows';
import type { AppError } from '@/server/errors';
import { problem } from '@/server/problems';

/**
 * Login throttling (api-contract §6.3): fixed windows kept in PostgreSQL, so that every instance behind a load
 * balancer counts against the same limits (N instances do not allow N times the attempts).
 * - per client IP, every login and refresh counts;
 * - per (IP, username) and per username, only failed logins count; they are checked before the attempt and
 *   charged after a 401;
 * - each limiter holds a bounded number of live keys and refuses new keys when full.
 */

export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** Expired windows are deleted at most this often by each process. */
const SWEEP_INTERVAL_MS = 60_000;

export class SharedWindowLimiter {
  private lastSweep = 0;

  constructor(
    /** Keeps the keys of this limiter apart from the others in the one table. */
    private readonly name: string,
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
    private readonly windows = new LimiterWindowRepository(),
  ) {}

  /** Is one more event allowed for this key? Does not count it. */
  async check(key: string): Promise<LimitResult> {
    const window = await this.windows.live(this.key(key));
    if (!window)
      return (await this.windows.liveKeyCount()) < this.maxKeys ? { allowed: true } : this.refuse(this.windowMs);
    return window.count < this.limit ? { allowed: true } : this.refuse(window.msLeft);
  }

  /** Counts one event; refused when it goes over the limit or when a new key finds the table full. */
  async hit(key: string): Promise<LimitResult> {
    this.sweep();
    const window = await this.windows.hit(this.key(key), this.windowMs, this.maxKeys);
    if (!window) return this.refuse(this.windowMs);
    return window.count <= this.limit ? { allowed: true } : this.refuse(window.msLeft);
  }

  private key(key: string): string {
    return `${this.name}|${key}`;
  }

  private sweep(): void {
    if (Date.now() - this.lastSweep < SWEEP_INTERVAL_MS) return;
    this.lastSweep = Date.now();
    this.windows.removeExpired().catch(() => undefined);
  }

  private refuse(msLeft: number): LimitResult {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(msLeft / 1000)) };
  }
}

function rateLimited(result: LimitResult): AppError {
  const retryAfter = result.allowed ? 1 : result.retryAfterSeconds;
  return problem('auth.rate_limited', { retryAfterSeconds: retryAfter });
}

export class AuthLimiter {
  private readonly perIp: SharedWindowLimiter;
  private readonly perIpAndUser: SharedWindowLimiter;
  private readonly perUser: SharedWindowLimiter;

  constructor(limits = getConfig().authLimits) {
    this.perIp = new SharedWindowLimiter('ip', limits.ip.attempts, limits.ip.windowSeconds * 1000, limits.maxKeys);
    this.perIpAndUser = new SharedWindowLimiter(
      'login',
      limits.login.attempts,
      limits.login.windowSeconds * 1000,
      limits.maxKeys,
    );
    this.perUser = new SharedWindowLimiter(
      'account',
      limits.account.attempts,
      limits.account.windowSeconds * 1000,
      limits.maxKeys,
    );
  }

  /** Every login and refresh request from an IP. */
  async chargeRequest(ip: string): Promise<void> {
    const result = await this.perIp.hit(ip);
    if (!result.allowed) throw rateLimited(result);
  }

  /** Before a login attempt: refuse while this user (from this IP, or overall) has failed too often. */
  async assertLoginAllowed(ip: string, username: string): Promise<void> {
    const user = userKey(username);
    for (const result of await Promise.all([this.perIpAndUser.check(`${ip}|${user}`), this.perUser.check(user)])) {
      if (!result.allowed) throw rateLimited(result);
    }
  }

  /** After a login answered 401. */
  async chargeFailedLogin(ip: string, username: string): Promise<void> {
    const user = userKey(username);
    await Promise.all([this.perIpAndUser.hit(`${ip}|${user}`), this.perUser.hit(user)]);
  }
}

/** Usernames are stored keyed (HMAC with the JWT key every instance shares), not in clear. */
function userKey(username: string): string {
  return crypto.createHmac('sha256', getJwtSecret()).update(`login-limiter:${username}`).digest('hex');
}

/** One per module copy (README, "One process, two module copies"): the windows themselves are in the database. */
let shared: AuthLimiter | undefined;

export function authLimiter(): AuthLimiter {
  shared ??= new AuthLimiter();
  return shared;
}

export function resetAuthLimiter(): void {
  shared = undefined;
}

/**
 * The address the limiter keys on: the socket peer, or `X-Real-IP` when the peer is a trusted proxy.
 */
export function clientIp(
  peer: string,
  realIpHeader: string | null,
  trustedCidrs = getConfig().authLimits.trustedProxyCidrs,
): string {
  const realIp = realIpHeader?.trim();
  if (!realIp || net.isIP(realIp) === 0 || !isTrusted(peer, trustedCidrs)) return peer;
  return realIp;
}

function isTrusted(peer: string, cidrs: string[]): boolean {
  const address = peer.startsWith('::ffff:') && net.isIPv4(peer.slice(7)) ? peer.slice(7) : peer;
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  if (!family || cidrs.length === 0) return false;
  const list = new net.BlockList();
  for (const cidr of cidrs) {
    const [base, bits] = cidr.split('/');
    const type = net.isIPv4(base) ? 'ipv4' : net.isIPv6(base) ? 'ipv6' : undefined;
    if (!type) continue;
    const prefix = bits === undefined ? (type === 'ipv4' ? 32 : 128) : Number(bits);
    if (Number.isInteger(prefix)) list.addSubnet(base, prefix, type);
  }
  return list.check(address, family);
}
