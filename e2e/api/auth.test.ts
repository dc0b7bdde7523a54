import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SignJWT, decodeJwt } from 'jose';
import bcrypt from 'bcryptjs';
import { createTestApp, TEST_JWT_SECRET, type TestApp } from '../support/app';
import { resetConfig } from '@/server/config';
import { verifyToken } from '@/server/auth/tokens';
import { DUMMY_HASH, hashPassword, verifyPassword } from '@/server/auth/passwords';
import { UserService } from '@/server/services/users';
import { UserRepository } from '@/server/db/repositories/users';

let app: TestApp;
beforeAll(async () => {
  // Small limits so the throttling cases run quickly; the trusted proxy is 10.0.0.0/8.
  app = await createTestApp({
    SYNKRONUS_AUTH_LOGIN_ATTEMPTS: '2',
    SYNKRONUS_AUTH_TRUSTED_PROXY_CIDRS: '10.0.0.0/8',
    SYNKRONUS_AUTH_MAX_BODY_BYTES: '1024',
  });
});
afterAll(() => app.close());

const secret = new TextEncoder().encode(TEST_JWT_SECRET);
let peerCounter = 0;
/** A fresh client address per case, so the per-IP limits of one case do not leak into another. */
const freshPeer = () => `192.0.2.${++peerCounter}`;

describe('POST /api/auth/login', () => {
  it('returns a token pair with expiresAt in integer Unix seconds 24 h ahead', async () => {
    const before = Math.floor(Date.now() / 1000);
    const { status, body, headers } = await app.json('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'admin' },
      peer: freshPeer(),
    });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(Object.keys(body).sort()).toEqual(['expiresAt', 'refreshToken', 'token']);
    expect(Number.isInteger(body.expiresAt)).toBe(true);
    expect(body.expiresAt - before).toBeGreaterThanOrEqual(24 * 3600);
    expect(body.expiresAt - before).toBeLessThanOrEqual(24 * 3600 + 5);
  });

  it('issues typed HS256 tokens with username, role, sub, iss and token_use', async () => {
    const { body } = await app.json('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'admin' },
      peer: freshPeer(),
    });
    const access = decodeJwt(body.token);
    const refresh = decodeJwt(body.refreshToken);
    const admin = await new UserRepository().findByUsername('admin');
    expect(access).toMatchObject({
      username: 'admin',
      role: 'admin',
      token_use: 'access',
      iss: 'synkronus',
      sub: admin!.id,
    });
    expect(refresh).toMatchObject({ username: 'admin', token_use: 'refresh', iss: 'synkronus' });
    expect(refresh.exp! - access.exp!).toBe(6 * 24 * 3600);
    expect(JSON.parse(Buffer.from(body.token.split('.')[0], 'base64url').toString()).alg).toBe('HS256');
  });

  it('answers 401 with the contract body for a wrong password and for an unknown user alike', async () => {
    for (const credentials of [
      { username: 'admin', password: 'wrong' },
      { username: 'nobody', password: 'x' },
    ]) {
      const { status, body } = await app.json('POST', '/api/auth/login', { body: credentials, peer: freshPeer() });
      expect(status).toBe(401);
      expect(body).toEqual({ error: 'invalid credentials', message: 'Invalid credentials' });
    }
  });

  it('answers 400 for an empty username, an empty password or malformed JSON', async () => {
    const empty = await app.json('POST', '/api/auth/login', {
      body: { username: '', password: 'x' },
      peer: freshPeer(),
    });
    expect(empty.status).toBe(400);
    expect(empty.body.message).toBe('Username is required');
    const noPassword = await app.json('POST', '/api/auth/login', { body: { username: 'admin' }, peer: freshPeer() });
    expect(noPassword.status).toBe(400);
    expect(noPassword.body.message).toBe('Password is required');
    const malformed = await app.json('POST', '/api/auth/login', { body: '{"username":', peer: freshPeer() });
    expect(malformed.status).toBe(400);
    expect(malformed.body.message).toBe('Invalid request format');
  });

  it('answers 413 for a body over the byte cap and 400 for an over-long field', async () => {
    const big = await app.json('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'x'.repeat(2000) },
      peer: freshPeer(),
    });
    expect(big.status).toBe(413);
    expect(big.body.error).toBe('request_too_large');
    const longName = await app.json('POST', '/api/auth/login', {
      body: { username: 'u'.repeat(300), password: 'x' },
      peer: freshPeer(),
    });
    expect(longName.status).toBe(400);
    expect(longName.body).toEqual({ error: 'invalid_request', message: 'Authentication field is too long' });
  });

  it('throttles failed logins per IP and user: the third attempt after two failures is 429 with Retry-After', async () => {
    const peer = freshPeer();
    await new UserService().create({ username: 'victim', password: 'right', role: 'read-only' });
    for (let i = 0; i < 2; i++) {
      expect(
        (await app.json('POST', '/api/auth/login', { body: { username: 'victim', password: 'bad' }, peer })).status,
      ).toBe(401);
    }
    const third = await app.json('POST', '/api/auth/login', { body: { username: 'victim', password: 'right' }, peer });
    expect(third.status).toBe(429);
    expect(third.body.error).toBe('rate_limited');
    expect(Number(third.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Another address can still sign in as that user.
    expect(
      (
        await app.json('POST', '/api/auth/login', {
          body: { username: 'victim', password: 'right' },
          peer: freshPeer(),
        })
      ).status,
    ).toBe(200);
  });

  it('ignores X-Real-IP from an untrusted peer and honours it from a trusted proxy', async () => {
    await new UserService().create({ username: 'proxied', password: 'right', role: 'read-only' });
    const fail = (peer: string, realIp: string) =>
      app.json('POST', '/api/auth/login', {
        body: { username: 'proxied', password: 'bad' },
        peer,
        headers: { 'x-real-ip': realIp },
      });
    // Untrusted peer: the spoofed header changes nothing, the peer address is throttled.
    const untrusted = freshPeer();
    await fail(untrusted, '198.51.100.1');
    await fail(untrusted, '198.51.100.2');
    expect((await fail(untrusted, '198.51.100.3')).status).toBe(429);
    // Trusted proxy: each forwarded address is its own client.
    await fail('10.1.2.3', '198.51.100.10');
    await fail('10.1.2.3', '198.51.100.10');
    expect((await fail('10.1.2.3', '198.51.100.10')).status).toBe(429);
    expect((await fail('10.1.2.3', '198.51.100.11')).status).toBe(401);
  });
});

describe('POST /api/auth/refresh', () => {
  it('exchanges a refresh token for a new pair and refuses an access token', async () => {
    const login = await app.json('POST', '/api/auth/login', {
      body: { username: 'admin', password: 'admin' },
      peer: freshPeer(),
    });
    const refreshed = await app.json('POST', '/api/auth/refresh', {
      body: { refreshToken: login.body.refreshToken },
      peer: freshPeer(),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).toBeTruthy();
    expect(refreshed.body.refreshToken).toBeTruthy();
    expect(Number.isInteger(refreshed.body.expiresAt)).toBe(true);
    const wrongUse = await app.json('POST', '/api/auth/refresh', {
      body: { refreshToken: login.body.token },
      peer: freshPeer(),
    });
    expect(wrongUse.status).toBe(401);
    expect(wrongUse.body).toEqual({ error: 'invalid refresh token', message: 'Invalid refresh token' });
  });

  it('answers 400 for an empty refresh token and 401 for garbage or a deleted user', async () => {
    expect(
      (await app.json('POST', '/api/auth/refresh', { body: { refreshToken: '' }, peer: freshPeer() })).status,
    ).toBe(400);
    expect(
      (await app.json('POST', '/api/auth/refresh', { body: { refreshToken: 'garbage' }, peer: freshPeer() })).status,
    ).toBe(401);
    await new UserService().create({ username: 'leaver', password: 'pw', role: 'read-write' });
    const login = await app.json('POST', '/api/auth/login', {
      body: { username: 'leaver', password: 'pw' },
      peer: freshPeer(),
    });
    await new UserService().delete('leaver');
    expect(
      (
        await app.json('POST', '/api/auth/refresh', {
          body: { refreshToken: login.body.refreshToken },
          peer: freshPeer(),
        })
      ).status,
    ).toBe(401);
  });

  it('gives the user its current role', async () => {
    await new UserService().create({ username: 'promoted', password: 'pw', role: 'read-only' });
    const login = await app.json('POST', '/api/auth/login', {
      body: { username: 'promoted', password: 'pw' },
      peer: freshPeer(),
    });
    await new UserService().applyRecoveryAdmin({ username: 'promoted', password: 'pw' });
    const refreshed = await app.json('POST', '/api/auth/refresh', {
      body: { refreshToken: login.body.refreshToken },
      peer: freshPeer(),
    });
    expect(decodeJwt(refreshed.body.token).role).toBe('admin');
  });
});

describe('token validation', () => {
  const sign = (claims: Record<string, unknown>, alg = 'HS256') =>
    new SignJWT(claims).setProtectedHeader({ alg }).setIssuedAt().setExpirationTime('1h').sign(secret);

  it('rejects HS512, tokens without exp, and typed tokens from another issuer', async () => {
    expect(
      await verifyToken(
        await sign({ username: 'admin', role: 'admin', token_use: 'access', iss: 'synkronus' }, 'HS512'),
        'access',
      ),
    ).toBeUndefined();
    const noExp = await new SignJWT({ username: 'admin', role: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .sign(secret);
    expect(await verifyToken(noExp, 'access')).toBeUndefined();
    expect(
      await verifyToken(await sign({ username: 'admin', role: 'admin', token_use: 'access', iss: 'other' }), 'access'),
    ).toBeUndefined();
  });

  it('accepts legacy untyped tokens for both uses while enabled, and refuses them when disabled', async () => {
    const legacy = await sign({ username: 'admin', role: 'admin' });
    expect(await verifyToken(legacy, 'access')).toMatchObject({ username: 'admin', role: 'admin' });
    expect(await verifyToken(legacy, 'refresh')).toMatchObject({ username: 'admin' });
    process.env.SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS = 'false';
    resetConfig();
    try {
      expect(await verifyToken(legacy, 'access')).toBeUndefined();
    } finally {
      delete process.env.SYNKRONUS_ACCEPT_LEGACY_UNTYPED_TOKENS;
      resetConfig();
    }
  });

  it('trusts a token it verified before only until the token expires', async () => {
    const expiresAt = Math.floor(Date.now() / 1000) + 1;
    const token = await new SignJWT({ username: 'admin', role: 'admin', token_use: 'access', iss: 'synkronus' })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(expiresAt)
      .sign(secret);
    expect(await verifyToken(token, 'access')).toMatchObject({ username: 'admin' });
    expect(await verifyToken(token, 'access')).toMatchObject({ username: 'admin' });
    expect(await verifyToken(token, 'refresh')).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, expiresAt * 1000 - Date.now() + 50));
    expect(await verifyToken(token, 'access')).toBeUndefined();
  });

  it('degrades an unknown role to read-only', async () => {
    const token = await sign({ username: 'admin', role: 'superuser', token_use: 'access', iss: 'synkronus' });
    expect((await verifyToken(token, 'access'))?.role).toBe('read-only');
    expect((await app.request('GET', '/api/users', { token })).status).toBe(403);
  });
});

describe('passwords, bootstrap and recovery', () => {
  it('hashes with bcrypt and verifies only the right password; the dummy hash is a valid bcrypt hash', async () => {
    const hash = await hashPassword('s3cret');
    expect(hash).not.toBe('s3cret');
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword('other', hash)).toBe(false);
    expect(bcrypt.getRounds(DUMMY_HASH)).toBe(10);
    expect(await verifyPassword('anything', undefined)).toBe(false);
  });

  it('created the bootstrap admin once, with a bcrypt hash of its password', async () => {
    const admin = await new UserRepository().findByUsername('admin');
    expect(admin?.role).toBe('admin');
    expect(await bcrypt.compare('admin', admin!.passwordHash)).toBe(true);
    expect(await new UserService().ensureBootstrapAdmin({ username: 'second', password: 'x' })).toBe(false);
    expect(await new UserRepository().findByUsername('second')).toBeNull();
  });

  it('recovery creates a missing admin and overwrites an existing user, promoting it', async () => {
    const users = new UserService();
    await users.applyRecoveryAdmin({ username: 'rescuer', password: 'first' });
    expect((await new UserRepository().findByUsername('rescuer'))?.role).toBe('admin');
    await users.create({ username: 'lowly', password: 'old', role: 'read-only' });
    await users.applyRecoveryAdmin({ username: 'lowly', password: 'new' });
    expect(await users.authenticate('lowly', 'new')).toMatchObject({ role: 'admin' });
    expect(await users.authenticate('lowly', 'old')).toBeUndefined();
  });
});
