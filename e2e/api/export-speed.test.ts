import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { readZip } from '../support/zip';

/** The raw-JSON export streams at a rate close to the Parquet export's, also with several at once. */

const RECORDS = 10_000;
const FORM_TYPES = 4;

let app: TestApp;
let reader: string;
beforeAll(async () => {
  app = await createTestApp();
  const writer = await app.userToken('read-write');
  reader = await app.userToken('read-only');
  for (let start = 0; start < RECORDS; start += 2000) {
    const records = Array.from({ length: 2000 }, (_, i) => ({
      observation_id: `speed-${String(start + i).padStart(6, '0')}`,
      form_type: `form_${(start + i) % FORM_TYPES}`,
      form_version: '1',
      data: {
        name: `person ${start + i}`,
        age: (start + i) % 90,
        village: 'Kisumu',
        answers: { q1: true, q2: [1, 2, 3] },
      },
      created_at: '2025-02-01T08:00:00Z',
    }));
    const pushed = await app.json('POST', '/api/sync/push', {
      token: writer,
      body: { transmission_id: `speed-${start}`, client_id: 'speed', records },
    });
    expect(pushed.status).toBe(200);
  }
}, 300_000);
afterAll(() => app.close());

async function timedExport(kind: 'raw-json' | 'parquet'): Promise<{ ms: number; zip: Buffer }> {
  const started = performance.now();
  const response = await app.request('GET', `/api/dataexport/${kind}`, { token: reader });
  expect(response.status).toBe(200);
  const zip = Buffer.from(await response.arrayBuffer());
  return { ms: performance.now() - started, zip };
}

describe(`exports of ${RECORDS} records`, () => {
  it('writes the raw-JSON export within a small factor of the Parquet export, one and four at once', async () => {
    const parquet = await timedExport('parquet');
    const raw = await timedExport('raw-json');
    const entries = await readZip(raw.zip);
    expect(entries).toHaveLength(RECORDS);
    expect(JSON.parse(entries[0].data.toString()).data).toEqual(expect.objectContaining({ village: 'Kisumu' }));
    const startedFour = performance.now();
    const four = await Promise.all(Array.from({ length: 4 }, () => timedExport('raw-json')));
    const fourMs = performance.now() - startedFour;
    for (const result of four) expect(result.zip.equals(raw.zip) || result.zip.length === raw.zip.length).toBe(true);
    console.log(
      `export timings: parquet ${parquet.ms.toFixed(0)} ms, raw-json ${raw.ms.toFixed(0)} ms, four raw-json at once ${fourMs.toFixed(0)} ms`,
    );
    expect(raw.ms).toBeLessThan(Math.max(6 * parquet.ms, 8000));
    expect(fourMs).toBeLessThan(Math.max(4 * 6 * parquet.ms, 30_000));
  }, 600_000);
});
