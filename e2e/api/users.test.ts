import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { presence } from '@/server/services/presence';

let app: TestApp;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  admin = await app.adminToken();
});
afterAll(() => app.close());

describe('user creation', () => {
  it('answers 201 with username, role and createdAt on both paths, and the user can log in', async () => {
    for (const [path, username] of [
      ['/api/users/create', 'alice'],
      ['/api/users', 'bert'],
    ] as const) {
      const { status, body, headers } = await app.json('POST', path, {
        token: admin,
        body: { username, password: 'pw-1', role: 'read-write' },
      });
      expect(status).toBe(201);
      expect(headers.get('content-type')).toBe('application/json');
      expect(body.username).toBe(username);
      expect(body.role).toBe('read-write');
      expect(Number.isNaN(Date.parse(body.createdAt))).toBe(false);
      await expect(app.login(username, 'pw-1')).resolves.toBeTruthy();
    }
  });

  it('answers 409 with the contract body for a duplicate', async () => {
    const { status, body } = await app.json('POST', '/api/users/create', {
      token: admin,
      body: { username: 'alice', password: 'x', role: 'admin' },
    });
    expect(status).toBe(409);
    expect(body).toEqual({ error: 'user already exists', message: 'Username already exists' });
  });

  it('answers 400 for missing fields and an invalid role', async () => {
    const missing = await app.json('POST', '/api/users/create', { token: admin, body: { username: 'carl' } });
    expect(missing.status).toBe(400);
    expect(missing.body.message).toBe('Missing required fields');
    const badRole = await app.json('POST', '/api/users/create', {
      token: admin,
      body: { username: 'carl', password: 'x', role: 'root' },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error).toBe('invalid role: root');
    const wrongType = await app.json('POST', '/api/users/create', {
      token: admin,
      body: { username: 42, password: 'x', role: 'admin' },
    });
    expect(wrongType.status).toBe(400);
  });

  it('refuses passwords bcrypt would truncate', async () => {
    const { status } = await app.json('POST', '/api/users/create', {
      token: admin,
      body: { username: 'long', password: 'p'.repeat(73), role: 'read-only' },
    });
    expect(status).toBe(400);
  });
});

describe('user list', () => {
  it('is a bare array ordered by username with camelCase fields and no presence for unseen users', async () => {
    const { status, body } = await app.json('GET', '/api/users', { token: admin });
    expect(status).toBe(200);
    const names = body.map((u: { username: string }) => u.username);
    expect(names).toEqual([...names].sort());
    const alice = body.find((u: { username: string }) => u.username === 'alice');
    expect(Object.keys(alice).sort()).toEqual(['createdAt', 'id', 'role', 'updatedAt', 'username']);
  });

  it('shows per-device presence from sync-style events and heartbeats', async () => {
    await app.json('GET', '/api/version', {
      token: await app.login('alice', 'pw-1'),
      headers: { 'x-ode-client-id': 'desktop-1' },
    });
    presence().record({ username: 'alice', clientId: 'formulus-abc', lastDataVersion: 42, odeVersion: '1.3.1' });
    presence().record({ username: 'alice', clientId: 'formulus-abc', appBundleVersion: '0003' });
    await presence().drain();
    const { body } = await app.json('GET', '/api/users', { token: admin });
    const alice = body.find((u: { username: string }) => u.username === 'alice');
    expect(alice.presence.clientCount).toBe(2);
    expect(alice.presence.clients.map((c: { clientId: string }) => c.clientId)).toEqual(['desktop-1', 'formulus-abc']);
    const device = alice.presence.clients[1];
    expect(device).toMatchObject({ lastDataVersion: 42, appBundleVersion: '0003', lastOdeVersion: '1.3.1' });
    expect(Date.parse(alice.presence.lastSeenAt)).toBe(
      Math.max(...alice.presence.clients.map((c: { lastSeenAt: string }) => Date.parse(c.lastSeenAt))),
    );
    expect(alice.presence.clients[0]).not.toHaveProperty('lastDataVersion');
  });
});

describe('user deletion', () => {
  it('deletes on both paths, answers 404 for unknown users, and cascades presence', async () => {
    for (const [path, username] of [
      ['/api/users/delete/', 'dora'],
      ['/api/users/', 'emil'],
    ] as const) {
      await app.json('POST', '/api/users', { token: admin, body: { username, password: 'pw', role: 'read-only' } });
      const deleted = await app.json('DELETE', `${path}${username}`, { token: admin });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ message: 'User deleted successfully' });
      const again = await app.json('DELETE', `${path}${username}`, { token: admin });
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ error: 'user not found', message: 'User not found' });
    }
  });

  it('decodes percent-encoded usernames', async () => {
    await app.json('POST', '/api/users', {
      token: admin,
      body: { username: 'field worker', password: 'pw', role: 'read-only' },
    });
    expect((await app.json('DELETE', '/api/users/delete/field%20worker', { token: admin })).status).toBe(200);
  });
});

describe('passwords', () => {
  it('reset-password sets a new password; unknown user 404; missing fields 400', async () => {
    await app.json('POST', '/api/users', {
      token: admin,
      body: { username: 'fred', password: 'old', role: 'read-only' },
    });
    const reset = await app.json('POST', '/api/users/reset-password', {
      token: admin,
      body: { username: 'fred', newPassword: 'new' },
    });
    expect(reset.status).toBe(200);
    expect(reset.body).toEqual({ message: 'Password reset successfully' });
    await expect(app.login('fred', 'new')).resolves.toBeTruthy();
    expect(
      (
        await app.json('POST', '/api/users/reset-password', {
          token: admin,
          body: { username: 'ghost', newPassword: 'x' },
        })
      ).status,
    ).toBe(404);
    expect(
      (await app.json('POST', '/api/users/reset-password', { token: admin, body: { username: 'fred' } })).status,
    ).toBe(400);
  });

  it('change-password works for any role with currentPassword or the old oldPassword name', async () => {
    await app.json('POST', '/api/users', {
      token: admin,
      body: { username: 'gina', password: 'one', role: 'read-only' },
    });
    const token = await app.login('gina', 'one');
    const changed = await app.json('POST', '/api/users/change-password', {
      token,
      body: { currentPassword: 'one', newPassword: 'two' },
    });
    expect(changed.status).toBe(200);
    expect(changed.body).toEqual({ message: 'Password changed successfully' });
    const legacy = await app.json('POST', '/api/users/change-password', {
      token,
      body: { oldPassword: 'two', newPassword: 'three' },
    });
    expect(legacy.status).toBe(200);
    await expect(app.login('gina', 'three')).resolves.toBeTruthy();
  });

  it('change-password answers 400 JSON for a wrong current password (a 401 signs the portal out), 400 for missing fields, 401 without a token', async () => {
    const token = await app.login('gina', 'three');
    const wrong = await app.json('POST', '/api/users/change-password', {
      token,
      body: { currentPassword: 'nope', newPassword: 'x' },
    });
    expect(wrong.status).toBe(400);
    expect(wrong.body).toEqual({ error: 'invalid password', message: 'Current password is incorrect' });
    expect((await app.json('POST', '/api/users/change-password', { token, body: { newPassword: 'x' } })).status).toBe(
      400,
    );
    expect(
      (
        await app.request('POST', '/api/users/change-password', {
          body: { currentPassword: 'three', newPassword: 'x' },
        })
      ).status,
    ).toBe(401);
    await expect(app.login('gina', 'three')).resolves.toBeTruthy();
  });
});
