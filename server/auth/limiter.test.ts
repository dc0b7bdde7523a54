import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthLimiter, SharedWindowLimiter, clientIp } from '@/server/auth/limiter';
import { resetConfig } from '@/server/config';
import { disconnectDb } from '@/server/db/client';
import { createDatabase, dropDatabase } from '@/e2e/support/postgres';

let databaseUrl: string;
beforeAll(async () => {
  databaseUrl = await createDatabase();
  Object.assign(process.env, { DATABASE_URL: databaseUrl, JWT_SECRET: 'limiter-test-secret-long-enough-0123456789' });
  resetConfig();
});
afterAll(async () => {
  await disconnectDb();
  await dropDatabase(databaseUrl);
});

describe('SharedWindowLimiter (windows in PostgreSQL)', () => {
  // First: the table is shared, and this one needs it empty.
  it('refuses new keys when full, until old windows expire', async () => {
    const limiter = new SharedWindowLimiter('t0', 5, 1000, 2);
    expect((await limiter.hit('x')).allowed).toBe(true);
    expect((await limiter.hit('y')).allowed).toBe(true);
    expect((await limiter.hit('z')).allowed).toBe(false);
    expect((await limiter.check('z')).allowed).toBe(false);
    expect((await limiter.hit('x')).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    expect((await limiter.hit('z')).allowed).toBe(true);
  });

  it('allows up to the limit in a window, then refuses with the time left, then allows again', async () => {
    const limiter = new SharedWindowLimiter('t1', 2, 1500, 100);
    expect((await limiter.hit('a')).allowed).toBe(true);
    expect((await limiter.hit('a')).allowed).toBe(true);
    expect(await limiter.hit('a')).toEqual({ allowed: false, retryAfterSeconds: 2 });
    expect((await limiter.check('a')).allowed).toBe(false);
    expect((await limiter.check('b')).allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    expect((await limiter.hit('a')).allowed).toBe(true);
  });

  it('counts the events of every instance together, also when they arrive at once', async () => {
    const instances = [new SharedWindowLimiter('t2', 10, 60_000, 100), new SharedWindowLimiter('t2', 10, 60_000, 100)];
    const results = await Promise.all(Array.from({ length: 16 }, (_, i) => instances[i % 2].hit('shared')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });
});

describe('AuthLimiter on two instances', () => {
  it('locks an account after the allowed failed logins, wherever they were tried', async () => {
    const limits = {
      maxBodyBytes: 1024,
      ip: { attempts: 100, windowSeconds: 60 },
      login: { attempts: 3, windowSeconds: 60 },
      account: { attempts: 100, windowSeconds: 60 },
      maxKeys: 1000,
      trustedProxyCidrs: [],
    };
    const [a, b] = [new AuthLimiter(limits), new AuthLimiter(limits)];
    await a.chargeFailedLogin('10.0.0.1', 'alice');
    await b.chargeFailedLogin('10.0.0.1', 'alice');
    await b.assertLoginAllowed('10.0.0.1', 'alice');
    await a.chargeFailedLogin('10.0.0.1', 'alice');
    await expect(b.assertLoginAllowed('10.0.0.1', 'alice')).rejects.toMatchObject({ kind: 'too_many_requests' });
    await expect(a.assertLoginAllowed('10.0.0.1', 'alice')).rejects.toMatchObject({ kind: 'too_many_requests' });
    await a.assertLoginAllowed('10.0.0.2', 'alice');
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
