import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { PresenceRecorder } from '@/server/services/presence';
import { PresenceRepository, type PresenceEvent } from '@/server/db/repositories/presence';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

/** Records each write as the batch it was. */
function batchWriter() {
  const batches: PresenceEvent[][] = [];
  return { batches, write: async (events: PresenceEvent[]) => void batches.push(events) };
}

describe('presence recorder', () => {
  it('writes one event for two throttled heartbeats of the same user and client within the interval', async () => {
    let now = 1_000_000;
    const { batches, write } = batchWriter();
    const recorder = new PresenceRecorder({ write, now: () => now });
    recorder.heartbeat('u', 'c', '1.0.0');
    now += 10_000;
    recorder.heartbeat('u', 'c', '1.0.0');
    recorder.heartbeat('u', 'other-client', '1.0.0');
    await recorder.drain();
    now += 30_000;
    recorder.heartbeat('u', 'c', '1.0.0');
    await recorder.drain();
    expect(batches.map((batch) => batch.map((event) => event.clientId))).toEqual([['c', 'other-client'], ['c']]);
  });

  it('merges the events of one client as the upsert would apply them in order, and writes many clients at once', async () => {
    let now = 1_000;
    const { batches, write } = batchWriter();
    const recorder = new PresenceRecorder({ write, now: () => now });
    recorder.record({ username: 'u', clientId: 'c', lastDataVersion: 1, odeVersion: '1.3.0' });
    now += 5;
    recorder.record({ username: 'u', clientId: 'c', appBundleVersion: '0004' });
    recorder.record({ username: 'u', clientId: 'd', lastDataVersion: 9 });
    now += 5;
    recorder.record({ username: 'u', clientId: 'c', lastDataVersion: 2, odeVersion: null });
    await recorder.drain();
    expect(batches).toEqual([
      [
        {
          username: 'u',
          clientId: 'c',
          seenAt: new Date(1_010),
          lastDataVersion: 2,
          appBundleVersion: '0004',
          odeVersion: '1.3.0',
        },
        { username: 'u', clientId: 'd', seenAt: new Date(1_005), lastDataVersion: 9 },
      ],
    ]);
  });

  it('batches what arrives while a write runs into the next one', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const batches: string[][] = [];
    const recorder = new PresenceRecorder({
      flushDelayMs: 0,
      write: async (events) => {
        batches.push(events.map((event) => event.clientId));
        if (batches.length === 1) await blocked;
      },
    });
    recorder.record({ username: 'u', clientId: '1' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    recorder.record({ username: 'u', clientId: '2' });
    recorder.record({ username: 'u', clientId: '3' });
    release();
    await recorder.drain();
    expect(batches).toEqual([['1'], ['2', '3']]);
  });

  it('drops new clients past the backlog limit, and still merges the events of waiting ones', async () => {
    const { batches, write } = batchWriter();
    const recorder = new PresenceRecorder({ maxPending: 2, write });
    recorder.record({ username: 'u', clientId: '1', lastDataVersion: 1 });
    recorder.record({ username: 'u', clientId: '2' });
    recorder.record({ username: 'u', clientId: '3' });
    recorder.record({ username: 'u', clientId: '1', lastDataVersion: 5 });
    await recorder.drain();
    expect(batches.flat().map((event) => [event.clientId, event.lastDataVersion])).toEqual([
      ['1', 5],
      ['2', undefined],
    ]);
    expect(recorder.dropped).toBe(1);
  });

  it('never delays a response: a slow writer does not block heartbeat()', () => {
    const recorder = new PresenceRecorder({ write: () => new Promise(() => undefined) });
    const started = performance.now();
    for (let i = 0; i < 100; i++) recorder.heartbeat('u', `c${i}`, null);
    expect(performance.now() - started).toBeLessThan(50);
  });
});

describe('presence upsert', () => {
  it('keeps the latest last_seen_at and the stored values of columns an event does not carry', async () => {
    const repo = new PresenceRepository();
    const t1 = new Date('2026-01-01T10:00:00.123Z');
    const t0 = new Date('2026-01-01T09:00:00Z');
    await repo.upsertMany([
      {
        username: 'admin',
        clientId: 'dev',
        seenAt: t1,
        lastDataVersion: 7,
        appBundleVersion: '0002',
        odeVersion: '1.3.1',
      },
    ]);
    await repo.upsertMany([
      { username: 'admin', clientId: 'dev', seenAt: t0, lastDataVersion: null, odeVersion: null },
    ]);
    const row = await getDb().userClientPresence.findUnique({
      where: { username_clientId: { username: 'admin', clientId: 'dev' } },
    });
    expect(row?.lastSeenAt.toISOString()).toBe(t1.toISOString());
    expect(row?.lastDataVersion).toBe(7n);
    expect(row?.appBundleVersion).toBe('0002');
    expect(row?.lastOdeVersion).toBe('1.3.1');
  });

  it('writes many clients in one statement and skips events of users that no longer exist', async () => {
    const seenAt = new Date('2026-02-01T08:00:00Z');
    await new PresenceRepository().upsertMany([
      { username: 'ghost', clientId: 'a', seenAt },
      { username: 'admin', clientId: 'tablet-1', seenAt, lastDataVersion: 2n ** 40n },
      { username: 'admin', clientId: 'tablet-2', seenAt, appBundleVersion: '0007' },
    ]);
    const rows = await getDb().userClientPresence.findMany({
      where: { clientId: { in: ['a', 'tablet-1', 'tablet-2'] } },
      orderBy: { clientId: 'asc' },
    });
    expect(rows.map((row) => [row.username, row.clientId, row.lastDataVersion, row.appBundleVersion])).toEqual([
      ['admin', 'tablet-1', 2n ** 40n, null],
      ['admin', 'tablet-2', null, '0007'],
    ]);
    expect(rows.every((row) => row.lastSeenAt.getTime() === seenAt.getTime())).toBe(true);
  });

  it('records a heartbeat for an authenticated REST request under x-ode-client-id', async () => {
    const token = await app.userToken('read-only', 'walker');
    await app.request('GET', '/api/versions', { token, headers: { 'x-ode-client-id': '  tablet-7 ' } });
    const { presence } = await import('@/server/services/presence');
    await presence().drain();
    const row = await getDb().userClientPresence.findUnique({
      where: { username_clientId: { username: 'walker', clientId: 'tablet-7' } },
    });
    expect(row?.lastOdeVersion).toBe('1.3.1');
  });
});
