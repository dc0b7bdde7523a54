import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { PresenceRecorder } from '@/server/services/presence';
import { PresenceRepository, type PresenceEvent } from '@/server/db/repositories/presence';

let app: TestApp;
beforeAll(async () => {
  app = await createTestApp();
});
afterAll(() => app.close());

function countingWriter() {
  const writes: PresenceEvent[] = [];
  return { writes, write: async (event: PresenceEvent) => void writes.push(event) };
}

describe('presence recorder', () => {
  it('writes one row for two throttled heartbeats of the same user and client within the interval', async () => {
    let now = 1_000_000;
    const { writes, write } = countingWriter();
    const recorder = new PresenceRecorder({ write, now: () => now });
    recorder.heartbeat('u', 'c', '1.0.0');
    now += 10_000;
    recorder.heartbeat('u', 'c', '1.0.0');
    recorder.heartbeat('u', 'other-client', '1.0.0');
    now += 30_000;
    recorder.heartbeat('u', 'c', '1.0.0');
    await recorder.drain();
    expect(writes.map((w) => w.clientId)).toEqual(['c', 'other-client', 'c']);
  });

  it('writes every throttle-bypassing event', async () => {
    const { writes, write } = countingWriter();
    const recorder = new PresenceRecorder({ write });
    recorder.record({ username: 'u', clientId: 'c', lastDataVersion: 1 });
    recorder.record({ username: 'u', clientId: 'c', lastDataVersion: 2 });
    await recorder.drain();
    expect(writes).toHaveLength(2);
  });

  it('drops events when the queue is full behind a blocked worker', async () => {
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const writes: PresenceEvent[] = [];
    const recorder = new PresenceRecorder({
      queueSize: 1,
      workers: 1,
      write: async (event) => {
        writes.push(event);
        if (writes.length === 1) await blocked;
      },
    });
    recorder.record({ username: 'u', clientId: '1' }); // taken by the worker, which blocks
    recorder.record({ username: 'u', clientId: '2' }); // waits in the queue
    recorder.record({ username: 'u', clientId: '3' }); // queue full: dropped
    release();
    await recorder.drain();
    expect(writes.map((w) => w.clientId)).toEqual(['1', '2']);
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
    const t1 = new Date('2026-01-01T10:00:00Z');
    const t0 = new Date('2026-01-01T09:00:00Z');
    await repo.upsert({
      username: 'admin',
      clientId: 'dev',
      seenAt: t1,
      lastDataVersion: 7,
      appBundleVersion: '0002',
      odeVersion: '1.3.1',
    });
    await repo.upsert({ username: 'admin', clientId: 'dev', seenAt: t0, lastDataVersion: null, odeVersion: null });
    const row = await getDb().userClientPresence.findUnique({
      where: { username_clientId: { username: 'admin', clientId: 'dev' } },
    });
    expect(row?.lastSeenAt.toISOString()).toBe(t1.toISOString());
    expect(row?.lastDataVersion).toBe(7n);
    expect(row?.appBundleVersion).toBe('0002');
    expect(row?.lastOdeVersion).toBe('1.3.1');
  });

  it('skips events of users that no longer exist instead of failing', async () => {
    await expect(
      new PresenceRepository().upsert({ username: 'ghost', clientId: '', seenAt: new Date() }),
    ).resolves.toBeUndefined();
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
