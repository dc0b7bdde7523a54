import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, getDb, type TestApp } from '../support/app';

let app: TestApp;
let token: string;
beforeAll(async () => {
  app = await createTestApp();
  token = await app.userToken('read-only');
});
afterAll(() => app.close());
beforeEach(async () => {
  await getDb().$executeRaw`DELETE FROM observations`;
});

let sequence = 0;
async function insert(createdAt: string, formType = 'survey', count = 1, deleted = false): Promise<void> {
  for (let i = 0; i < count; i++) {
    await getDb().$executeRaw`
      INSERT INTO observations (observation_id, form_type, form_version, data, created_at, deleted)
      VALUES (${`o${++sequence}`}, ${formType}, '1', '{}', ${createdAt}::timestamptz, ${deleted})`;
  }
}

async function stats() {
  const { status, body } = await app.json('GET', '/api/stats/observations', { token });
  expect(status).toBe(200);
  return body;
}

describe('GET /api/stats/observations', () => {
  it('answers an empty database with day unit, empty range and no buckets', async () => {
    const body = await stats();
    expect(body).toMatchObject({
      totalCount: 0,
      byFormType: [],
      timeline: { bucketUnit: 'day', rangeStart: '', rangeEnd: '', buckets: [] },
    });
    expect(Number.isNaN(Date.parse(body.computedAt))).toBe(false);
  });

  it('gives a single day one bucket labelled like "Jan 3"', async () => {
    await insert('2025-01-03T23:30:00Z', 'survey', 2);
    const { timeline, totalCount } = await stats();
    expect(totalCount).toBe(2);
    expect(timeline.buckets).toEqual([{ bucketStart: '2025-01-03', label: 'Jan 3', count: 2 }]);
  });

  it('fills the days between with zeros (Jan 1 + Jan 3 → 2, 0, 4)', async () => {
    await insert('2025-01-01T08:00:00Z', 'survey', 2);
    await insert('2025-01-03T08:00:00Z', 'survey', 4);
    const { timeline } = await stats();
    expect(timeline.bucketUnit).toBe('day');
    expect(timeline.buckets.map((b: { count: number }) => b.count)).toEqual([2, 0, 4]);
    expect(timeline).toMatchObject({ rangeStart: '2025-01-01', rangeEnd: '2025-01-03' });
  });

  it('uses Monday weeks for a span of a year or more, keeping first and last counts', async () => {
    await insert('2024-01-03T12:00:00Z', 'survey', 3);
    await insert('2025-01-05T12:00:00Z', 'survey', 5); // a Sunday: its week starts Monday 2024-12-30
    const { timeline } = await stats();
    expect(timeline.bucketUnit).toBe('week');
    expect(timeline.buckets[0]).toEqual({ bucketStart: '2024-01-01', label: 'Jan 1', count: 3 });
    expect(timeline.buckets.at(-1)).toEqual({ bucketStart: '2024-12-30', label: 'Dec 30', count: 5 });
    expect(timeline.buckets).toHaveLength(53);
  });

  it('counts live rows only, groups blank form types as "(no form type)" and orders case-insensitively', async () => {
    await insert('2025-01-01T00:00:00Z', 'beta', 2);
    await insert('2025-01-01T00:00:00Z', 'Alpha', 1);
    await insert('2025-01-01T00:00:00Z', '  ', 1);
    await insert('2025-01-01T00:00:00Z', 'gamma', 3, true);
    const body = await stats();
    expect(body.totalCount).toBe(4);
    expect(body.byFormType).toEqual([
      { formType: '(no form type)', count: 1 },
      { formType: 'Alpha', count: 1 },
      { formType: 'beta', count: 2 },
    ]);
  });
});
