import crypto from 'node:crypto';
import net from 'node:net';
import { getConfig } from '@/server/config';
import { AppError } from '@/server/errors';

/**
 * Login throttling (api-contract §6.3): in-memory fixed windows, per process, small and safe to lose.
 * - per client IP, every login and refresh counts;
 * - per (IP, username) and per username, only failed logins count; they are checked before the attempt and
 *   charged after a 401;
 * - each limiter holds a bounded number of keys and refuses new keys when full.
 */

interface Window {
  count: number;
  resetAt: number;
}

export type LimitResult = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export class FixedWindowLimiter {
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Is one more event allowed for this key? Does not count it. */
  check(key: string, now = Date.now()): LimitResult {
    const window = this.current(key, now);
    if (!window) return this.hasRoomForNewKey(now) ? { allowed: true } : this.refuse(now + this.windowMs, now);
    return window.count < this.limit ? { allowed: true } : this.refuse(window.resetAt, now);
  }

  /** Counts one event; refused when it goes over the limit or when a new key finds the table full. */
  hit(key: string, now = Date.now()): LimitResult {
    let window = this.current(key, now);
    if (!window) {
      if (!this.hasRoomForNewKey(now)) return this.refuse(now + this.windowMs, now);
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    window.count += 1;
    return window.count <= this.limit ? { allowed: true } : this.refuse(window.resetAt, now);
  }

  get size(): number {
    return this.windows.size;
  }

  private current(key: string, now: number): Window | undefined {
    const window = this.windows.get(key);
    if (window && window.resetAt <= now) {
      this.windows.delete(key);
      return undefined;
    }
    return window;
  }

  private hasRoomForNewKey(now: number): boolean {
    if (this.windows.size < this.maxKeys) return true;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
    return this.windows.size < this.maxKeys;
  }

  private refuse(resetAt: number, now: number): LimitResult {
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((resetAt - now) / 1000)) };
  }
}

function rateLimited(result: LimitResult): AppError {
  const retryAfter = result.allowed ? 1 : result.retryAfterSeconds;
  return new AppError('too_many_requests', 'rate_limited', 'Too many authentication attempts; try again later', {
    headers: { 'Retry-After': String(retryAfter) },
  });
}

export class AuthLimiter {
  private readonly perIp: FixedWindowLimiter;
  private readonly perIpAndUser: FixedWindowLimiter;
  private readonly perUser: FixedWindowLimiter;
  private readonly usernameKey = crypto.randomBytes(32);

  constructor(limits = getConfig().authLimits) {
    this.perIp = new FixedWindowLimiter(limits.ip.attempts, limits.ip.windowSeconds * 1000, limits.maxKeys);
    this.perIpAndUser = new FixedWindowLimiter(limits.login.attempts, limits.login.windowSeconds * 1000, limits.maxKeys);
    this.perUser = new FixedWindowLimiter(limits.account.attempts, limits.account.windowSeconds * 1000, limits.maxKeys);
  }

  /** Every login and refresh request from an IP. */
  chargeRequest(ip: string): void {
    const result = this.perIp.hit(ip);
    if (!result.allowed) throw rateLimited(result);
  }

  /** Before a login attempt: refuse while this user (from this IP, or overall) has failed too often. */
  assertLoginAllowed(ip: string, username: string): void {
    const user = this.userKey(username);
    for (const result of [this.perIpAndUser.check(`${ip}|${user}`), this.perUser.check(user)]) {
      if (!result.allowed) throw rateLimited(result);
    }
  }

  /** After a login answered 401. */
  chargeFailedLogin(ip: string, username: string): void {
    const user = this.userKey(username);
    this.perIpAndUser.hit(`${ip}|${user}`);
    this.perUser.hit(user);
  }

  private userKey(username: string): string {
    return crypto.createHmac('sha256', this.usernameKey).update(username).digest('hex');
  }
}

const holder = globalThis as unknown as { __synkronusAuthLimiter?: AuthLimiter };

export function authLimiter(): AuthLimiter {
  holder.__synkronusAuthLimiter ??= new AuthLimiter();
  return holder.__synkronusAuthLimiter;
}

export function resetAuthLimiter(): void {
  holder.__synkronusAuthLimiter = undefined;
}

/**
 * The address the limiter keys on: the socket peer, or `X-Real-IP` when the peer is a trusted proxy.
 */
export function clientIp(peer: string, realIpHeader: string | null, trustedCidrs = getConfig().authLimits.trustedProxyCidrs): string {
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
