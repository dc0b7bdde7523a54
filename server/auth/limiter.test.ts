import { describe, expect, it } from 'vitest';
import { FixedWindowLimiter, clientIp } from '@/server/auth/limiter';

describe('FixedWindowLimiter', () => {
  it('allows up to the limit in a window, then refuses with the time left, then allows again', () => {
    const limiter = new FixedWindowLimiter(2, 10_000, 100);
    expect(limiter.hit('a', 0).allowed).toBe(true);
    expect(limiter.hit('a', 1000).allowed).toBe(true);
    expect(limiter.hit('a', 2000)).toEqual({ allowed: false, retryAfterSeconds: 8 });
    expect(limiter.check('a', 2000).allowed).toBe(false);
    expect(limiter.hit('a', 10_000).allowed).toBe(true);
  });

  it('refuses new keys when full, until old windows expire', () => {
    const limiter = new FixedWindowLimiter(5, 1000, 2);
    limiter.hit('a', 0);
    limiter.hit('b', 0);
    expect(limiter.hit('c', 10).allowed).toBe(false);
    expect(limiter.check('c', 10).allowed).toBe(false);
    expect(limiter.hit('a', 10).allowed).toBe(true);
    expect(limiter.hit('c', 1500).allowed).toBe(true);
    expect(limiter.size).toBe(1);
  });
});

describe('clientIp', () => {
  it('uses X-Real-IP only from a trusted proxy', () => {
    expect(clientIp('203.0.113.5', '198.51.100.1', [])).toBe('203.0.113.5');
    expect(clientIp('203.0.113.5', '198.51.100.1', ['10.0.0.0/8'])).toBe('203.0.113.5');
    expect(clientIp('10.9.8.7', '198.51.100.1', ['10.0.0.0/8'])).toBe('198.51.100.1');
    expect(clientIp('::ffff:10.9.8.7', '198.51.100.1', ['10.0.0.0/8'])).toBe('198.51.100.1');
    expect(clientIp('10.9.8.7', 'not-an-ip', ['10.0.0.0/8'])).toBe('10.9.8.7');
    expect(clientIp('fd00::1', '2001:db8::1', ['fd00::/8'])).toBe('2001:db8::1');
  });
});
