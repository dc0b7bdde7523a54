import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';

/**
 * Two simulated Formulus devices (each its own user and client id) sync through /api/sync/push and
 * /api/sync/pull; an offline edit of a version the device had not pulled becomes a recorded conflict.
 */

let app: TestApp;
let alice: string;
let bob: string;
let viewer: string;
let admin: string;
beforeAll(async () => {
  app = await createTestApp();
  alice = await app.userToken('read-write', 'alice');
  bob = await app.userToken('read-write', 'bob');
  viewer = await app.userToken('read-only', 'viewer');
  admin = await app.adminToken();
});
afterAll(() => app.close());

let sequence = 0;

interface Device {
  token: string;
  clientId: string;
  cursor: number;
  records: Map<string, any>;
}

function device(token: string, clientId: string): Device {
  return { token, clientId, cursor: 0, records: new Map() };
}

/** What Formulus does: pull pages until has_more is false, then keep change_cutoff as the cursor. */
async function sync(d: Device): Promise<void> {
  for (;;) {
    const { status, body } = await app.json('POST', '/api/sync/pull', {
      token: d.token,
      body: { client_id: d.clientId, since: { version: d.cursor } },
    });
    expect(status).toBe(200);
    for (const record of body.records) d.records.set(record.observation_id, record);
    d.cursor = body.change_cutoff;
    if (!body.has_more) return;
  }
}

async function push(d: Device, records: unknown[]) {
  const { status, body } = await app.json('POST', '/api/sync/push', {
    token: d.token,
    body: { transmission_id: `tx-${d.clientId}-${++sequence}`, client_id: d.clientId, records },
  });
  expect(status, JSON.stringify(body)).toBe(200);
  return body;
}

function household(id: string, data: Record<string, unknown>) {
  return {
    observation_id: id,
    form_type: 'household',
    form_version: '2',
    data,
    created_at: '2026-01-01T08:00:00Z',
    updated_at: '2026-01-01T08:00:00Z',
    deleted: false,
  };
}

async function openConflicts(token = viewer, query = '') {
  const { status, body } = await app.json('GET', `/api/conflicts?status=open${query}`, { token });
  expect(status).toBe(200);
  return body as { conflicts: any[]; next_cursor: string | null };
}

describe('two devices editing the same household offline', () => {
  const id = 'household-17';
  let tabletA: Device;
  let tabletB: Device;
  let conflict: any;

  it('records a conflict when a push overwrites a version its device had not pulled', async () => {
    tabletA = device(alice, 'tablet-a');
    tabletB = device(bob, 'tablet-b');
    await push(tabletA, [household(id, { members: 4, head: 'Amina' })]);
    await sync(tabletA);
    await sync(tabletB);
    expect(tabletB.records.get(id).data.members).toBe(4);

    // Both go offline and edit the household; B syncs first.
    await push(tabletB, [household(id, { members: 5, head: 'Amina', newborn: 'Juma' })]);
    const bVersion = (await app.json('GET', `/api/observations/${id}/history`, { token: viewer })).body.versions[0]
      .version;
    const answer = await push(tabletA, [household(id, { members: 4, head: 'Amina', phone: '+255 700 000' })]);
    expect(answer.success_count).toBe(1);

    // The push still wins on the wire: every device pulls A's version.
    await sync(tabletB);
    expect(tabletB.records.get(id).data).toEqual({ members: 4, head: 'Amina', phone: '+255 700 000' });

    const { conflicts, next_cursor } = await openConflicts();
    expect(next_cursor).toBeNull();
    expect(conflicts).toHaveLength(1);
    conflict = conflicts[0];
    expect(conflict).toMatchObject({
      observation_id: id,
      status: 'open',
      winner: { username: 'alice', client_id: 'tablet-a' },
      loser: { version: bVersion, username: 'bob', client_id: 'tablet-b' },
      resolution: null,
    });
    expect(conflict.winner.version).toBeGreaterThan(bVersion);
    expect(new Date(conflict.detected_at).getTime()).toBeGreaterThan(Date.now() - 60_000);
  });

  it('raises no conflict when the device had pulled the version it replaces, or wrote it itself', async () => {
    await sync(tabletA);
    await push(tabletA, [household(id, { members: 4, head: 'Amina', phone: '+255 700 001' })]);
    await push(tabletA, [household(id, { members: 4, head: 'Amina', phone: '+255 700 002' })]);
    await sync(tabletB);
    await push(tabletB, [household(id, { members: 6, head: 'Amina' })]);
    expect((await openConflicts()).conflicts).toHaveLength(1);
  });

  it('raises no conflict for a client that never pulled (a script or the CLI)', async () => {
    await push(device(admin, 'synk-cli'), [household(id, { members: 7, head: 'Amina' })]);
    expect((await openConflicts()).conflicts).toHaveLength(1);
  });

  it('refuses resolution to read-only users and rejects a bad body', async () => {
    const denied = await app.json('POST', `/api/conflicts/${conflict.id}/resolve`, {
      token: viewer,
      body: { keep: 'winner' },
    });
    expect(denied.status).toBe(403);
    const bad = await app.json('POST', `/api/conflicts/${conflict.id}/resolve`, {
      token: alice,
      body: { keep: 'both' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toHaveProperty('error');
    expect(bad.body).toHaveProperty('message');
  });

  it('keeping the loser writes its content as a new version that every device pulls', async () => {
    const before = tabletA.cursor;
    const { status, body } = await app.json('POST', `/api/conflicts/${conflict.id}/resolve`, {
      token: alice,
      body: { keep: 'loser' },
    });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.status).toBe('resolved');
    expect(body.resolution).toMatchObject({ keep: 'loser', resolved_by: 'alice' });
    expect(body.resolution.version).toBeGreaterThan(before);

    await sync(tabletA);
    const record = tabletA.records.get(id);
    expect(record.data).toEqual({ members: 5, head: 'Amina', newborn: 'Juma' });
    expect(record.version).toBe(body.resolution.version);

    const history = (await app.json('GET', `/api/observations/${id}/history`, { token: viewer })).body;
    expect(history.versions[0]).toMatchObject({
      version: body.resolution.version,
      username: 'alice',
      client_id: 'synkronus-console',
    });
  });

  it('a server-written version does not make the next device push a conflict once pulled', async () => {
    await sync(tabletB);
    await push(tabletB, [household(id, { members: 5, head: 'Amina', newborn: 'Juma', checked: true })]);
    expect((await openConflicts()).conflicts).toHaveLength(0);
  });

  it('answers 409 for a resolved conflict and 404 for an unknown one', async () => {
    const again = await app.json('POST', `/api/conflicts/${conflict.id}/resolve`, {
      token: alice,
      body: { keep: 'winner' },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toMatch(/already resolved/);
    const unknown = await app.json('POST', '/api/conflicts/6f1c2d7e-0000-4000-8000-000000000000/resolve', {
      token: alice,
      body: { keep: 'winner' },
    });
    expect(unknown.status).toBe(404);
    const notUuid = await app.json('POST', '/api/conflicts/nope/resolve', { token: alice, body: { keep: 'winner' } });
    expect(notUuid.status).toBe(404);
  });

  it('lists resolved conflicts with who resolved them', async () => {
    const { status, body } = await app.json('GET', '/api/conflicts?status=resolved', { token: viewer });
    expect(status).toBe(200);
    expect(body.conflicts.map((c: any) => c.id)).toEqual([conflict.id]);
    expect(body.conflicts[0].resolution.resolved_by).toBe('alice');
  });
});

describe('keeping the winner and paging', () => {
  it('keeps the current version and pages with next_cursor', async () => {
    const a = device(alice, 'phone-a');
    const b = device(bob, 'phone-b');
    const ids = ['plot-1', 'plot-2', 'plot-3'];
    await push(
      a,
      ids.map((id) => household(id, { crop: 'maize' })),
    );
    await sync(a);
    await sync(b);
    await push(
      b,
      ids.map((id) => household(id, { crop: 'beans' })),
    );
    await push(
      a,
      ids.map((id) => household(id, { crop: 'rice' })),
    );

    const first = await openConflicts(viewer, '&limit=2');
    expect(first.conflicts).toHaveLength(2);
    expect(first.next_cursor).not.toBeNull();
    const second = await openConflicts(viewer, `&limit=2&cursor=${first.next_cursor}`);
    expect(second.conflicts).toHaveLength(1);
    expect(second.next_cursor).toBeNull();
    const all = [...first.conflicts, ...second.conflicts];
    expect(all.map((c) => c.observation_id).sort()).toEqual(ids);

    const target = all[0];
    const current = (await app.json('GET', `/api/observations/${target.observation_id}/history`, { token: viewer }))
      .body.versions[0];
    const { status, body } = await app.json('POST', `/api/conflicts/${target.id}/resolve`, {
      token: admin,
      body: { keep: 'winner' },
    });
    expect(status).toBe(200);
    expect(body.resolution).toMatchObject({ keep: 'winner', resolved_by: 'admin', version: null });
    const after = (await app.json('GET', `/api/observations/${target.observation_id}/history`, { token: viewer })).body
      .versions[0];
    expect(after.version).toBe(current.version);
    expect((await openConflicts()).conflicts).toHaveLength(2);

    const badCursor = await app.json('GET', '/api/conflicts?cursor=abc', { token: viewer });
    expect(badCursor.status).toBe(400);
    const badStatus = await app.json('GET', '/api/conflicts?status=maybe', { token: viewer });
    expect(badStatus.status).toBe(400);
  });

  it('needs a signed-in user', async () => {
    const { status } = await app.json('GET', '/api/conflicts');
    expect(status).toBe(401);
  });
});
