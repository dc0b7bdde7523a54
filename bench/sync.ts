import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@/server/db/embedded';
import { resetConfig } from '@/server/config';
import { disconnectDb } from '@/server/db/client';
import { issueTokenPair } from '@/server/auth/tokens';
import { presence } from '@/server/services/presence';
import { postApi } from './in-process';
import { createDatabase, figures, fmt, makeRecord, median, timed, type BenchRecord } from './support';

/**
 * Push and pull through the real REST path (gate, JSON parsing, zod, procedure, service), in process, next to raw
 * `pg` on an identical database in the same run:
 * - push: 8 devices at once, each sending 100-record batches one after another; raw = 8 `pg` clients each sending
 *   the same batches as one multi-row upsert, versions from the upstream per-row counter trigger;
 * - pull: 500-record pages from version 0 to the end; raw = the same keyset `SELECT` pages; after a warm-up, the
 *   median of three runs, each pulling page by page in turn with ours.
 */

const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 50_000);
const DEVICES = 8;
const BATCH = 100;
const PAGE = 500;
const PULL_RUNS = 3;
const COLUMNS = ['observation_id', 'form_type', 'form_version', 'data', 'created_at', 'deleted', 'author', 'device_id'];

/** The batches of one device: device d sends every DEVICES-th batch. */
function deviceBatches(records: BenchRecord[], device: number): BenchRecord[][] {
  const batches: BenchRecord[][] = [];
  for (let start = device * BATCH; start < records.length; start += DEVICES * BATCH)
    batches.push(records.slice(start, start + BATCH));
  return batches;
}

async function ourPush(token: string, records: BenchRecord[]): Promise<void> {
  await Promise.all(
    Array.from({ length: DEVICES }, async (_, device) => {
      let n = 0;
      for (const batch of deviceBatches(records, device)) {
        const response = await postApi(token, '/api/sync/push', {
          transmission_id: `bench-${device}-${n++}`,
          client_id: `device-${device}`,
          records: batch,
        });
        if (response.status !== 200) throw new Error(`push failed: ${response.status} ${await response.text()}`);
      }
    }),
  );
}

async function rawPush(url: string, records: BenchRecord[]): Promise<void> {
  await Promise.all(
    Array.from({ length: DEVICES }, async (_, device) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      for (const batch of deviceBatches(records, device)) {
        const values: unknown[] = [];
        const rows = batch.map((r, i) => {
          values.push(
            r.observation_id,
            r.form_type,
            r.form_version,
            JSON.stringify(r.data),
            r.created_at,
            r.deleted,
            r.author,
            r.device_id,
          );
          return `(${COLUMNS.map((_, c) => `$${i * COLUMNS.length + c + 1}`).join(', ')})`;
        });
        await client.query(
          `INSERT INTO observations (${COLUMNS.join(', ')}) VALUES ${rows.join(', ')}
           ON CONFLICT (observation_id) DO UPDATE SET form_type = EXCLUDED.form_type, form_version = EXCLUDED.form_version,
             data = EXCLUDED.data, deleted = EXCLUDED.deleted, author = EXCLUDED.author, device_id = EXCLUDED.device_id`,
          values,
        );
      }
      await client.end();
    }),
  );
}

async function vacuumAnalyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('VACUUM ANALYZE observations');
  await client.end();
}

interface PulledPage {
  count: number;
  next: number;
  hasMore: boolean;
}

async function ourPage(token: string, since: number): Promise<PulledPage> {
  const response = await postApi(token, `/api/sync/pull?limit=${PAGE}`, {
    client_id: 'bench-reader',
    since: { version: since },
  });
  const body = (await response.json()) as { records: unknown[]; has_more: boolean; change_cutoff: number };
  return { count: body.records.length, next: body.change_cutoff, hasMore: body.has_more };
}

async function rawPage(client: pg.Client, since: number): Promise<PulledPage> {
  const { rows } = await client.query(
    `SELECT observation_id, form_type, form_version, data, created_at, updated_at, synced_at, deleted, version,
            geolocation, author, device_id, tags
       FROM observations WHERE version > $1 ORDER BY version, observation_id LIMIT $2`,
    [since, PAGE + 1],
  );
  const page = rows.slice(0, PAGE);
  return { count: page.length, next: Number(page[page.length - 1]?.version ?? since), hasMore: rows.length > PAGE };
}

/**
 * One pull of every record by each side, page by page in turn (raw page, our page, …), so that a slow spell of
 * this shared machine weighs on both sides alike. Returns each side's time.
 */
async function interleavedPulls(sides: Record<'ours' | 'raw', (since: number) => Promise<PulledPage>>) {
  const start = () => ({ since: 0, count: 0, ms: 0, done: false });
  const state = { ours: start(), raw: start() };
  while (!state.ours.done || !state.raw.done)
    for (const side of ['raw', 'ours'] as const) {
      const s = state[side];
      if (s.done) continue;
      const started = performance.now();
      const page = await sides[side](s.since);
      s.ms += performance.now() - started;
      s.count += page.count;
      s.since = page.next;
      s.done = !page.hasMore;
    }
  for (const side of ['raw', 'ours'] as const)
    if (state[side].count !== RECORDS) throw new Error(`${side} pulled ${state[side].count} of ${RECORDS} records`);
  return { ours: state.ours.ms, raw: state.raw.ms };
}

function report(name: string, baseline: string, ours: number, raw: number, amount: number, goal: string): void {
  const rate = (ms: number) => fmt((amount / ms) * 1000);
  console.log(
    `${name.padEnd(34)} ours ${rate(ours).padStart(7)} records/s   raw ${rate(raw).padStart(7)} records/s   ` +
      `ratio ${(raw / ours).toFixed(2)} (goal ${goal})`,
  );
  figures.push({
    figure: `${name} vs ${baseline}`,
    measured: `${(raw / ours).toFixed(2)} (${rate(ours)} vs ${rate(raw)} records/s)`,
    goal,
  });
}

export async function run(): Promise<void> {
  Object.assign(process.env, { LOG_LEVEL: 'warn' });
  resetConfig();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-bench-sync-'));
  fs.chmodSync(root, 0o711);
  const database = await startEmbeddedPostgres(path.join(root, 'pg'));
  try {
    const admin = new URL(database.url);
    admin.pathname = '/postgres';
    const oursUrl = await createDatabase(admin.toString(), 'bench_ours');
    const rawUrl = await createDatabase(admin.toString(), 'bench_raw');
    Object.assign(process.env, {
      DATABASE_URL: oursUrl,
      DATA_DIR: root,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
    });
    resetConfig();
    const { token } = await issueTokenPair({
      id: '00000000-0000-0000-0000-000000000000',
      username: 'bench',
      role: 'admin',
    });

    const records = Array.from({ length: RECORDS }, (_, i) => makeRecord(i));
    console.log(
      `sync: ${fmt(RECORDS)} records, ${DEVICES} devices pushing ${BATCH}-record batches, pull pages of ${PAGE}`,
    );
    const pushRaw = await timed(() => rawPush(rawUrl, records));
    const pushOurs = await timed(() => ourPush(token, records));
    report(
      `push (${DEVICES} devices, ${BATCH}-record batches)`,
      'a raw multi-row upsert (per-row counter trigger)',
      pushOurs,
      pushRaw,
      RECORDS,
      '≥ 2.0',
    );

    const raw = new pg.Client({ connectionString: rawUrl });
    await raw.connect();
    // Both tables as autovacuum leaves them on a live server, and one untimed pull each, so neither side pays for
    // hint bits, statistics or cold caches; then each figure is the median of its runs.
    for (const url of [oursUrl, rawUrl]) await vacuumAnalyze(url);
    const sides = { ours: (since: number) => ourPage(token, since), raw: (since: number) => rawPage(raw, since) };
    const times = { ours: [] as number[], raw: [] as number[] };
    for (let run = 0; run <= PULL_RUNS; run++) {
      const ms = await interleavedPulls(sides);
      if (run > 0) for (const side of ['raw', 'ours'] as const) times[side].push(ms[side]);
    }
    report(
      `pull (${PAGE}-record pages)`,
      'a raw keyset SELECT of the same pages',
      median(times.ours),
      median(times.raw),
      RECORDS,
      '≥ 0.6',
    );
    await raw.end();
  } finally {
    // The pulls' last presence events are written before the database goes.
    await presence().drain();
    await disconnectDb();
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
