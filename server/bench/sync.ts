import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@/server/db/embedded';
import { migrate } from '@/server/db/migrate';
import { resetConfig } from '@/server/config';
import { disconnectDb } from '@/server/db/client';
import { issueTokenPair } from '@/server/auth/tokens';
import { handleApiRequest } from '@/server/http/api';

/**
 * Push and pull through the real REST path (gate, JSON parsing, zod, procedure, service, Prisma), in process,
 * next to raw `pg` doing the same inserts and selects on an identical database (same triggers) in the same run.
 */

const RECORDS = Number(process.env.BENCH_SYNC_RECORDS ?? 100_000);
const BATCH = 100;
const PAGE = 500;

function makeRecord(i: number) {
  return {
    observation_id: `obs_${1718000000000 + i}_${i % 10000}`,
    form_type: `form_${i % 5}`,
    form_version: '1.0',
    data: { name: `person ${i}`, age: i % 90, village: `v${i % 37}`, consent: i % 2 === 0, notes: 'x'.repeat(40) },
    created_at: new Date(1_735_000_000_000 + i * 1000).toISOString(),
    deleted: false,
    author: 'bench',
    device_id: 'bench-device',
  };
}

async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}

function api(token: string, urlPath: string, body: unknown): Promise<Response> {
  return handleApiRequest(
    new Request(`http://bench.local${urlPath}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ode-version': '1.3.1', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }),
  );
}

async function ourPush(token: string, records: ReturnType<typeof makeRecord>[]): Promise<void> {
  for (let start = 0; start < records.length; start += BATCH) {
    const response = await api(token, '/api/sync/push', {
      transmission_id: `bench${start}`,
      client_id: 'bench-device',
      records: records.slice(start, start + BATCH),
    });
    if (response.status !== 200) throw new Error(`push failed: ${response.status} ${await response.text()}`);
  }
}

async function rawPush(client: pg.Client, records: ReturnType<typeof makeRecord>[]): Promise<void> {
  const columns = ['observation_id', 'form_type', 'form_version', 'data', 'created_at', 'deleted', 'author', 'device_id'];
  for (let start = 0; start < records.length; start += BATCH) {
    const batch = records.slice(start, start + BATCH);
    const values: unknown[] = [];
    const rows = batch.map((r, i) => {
      values.push(r.observation_id, r.form_type, r.form_version, JSON.stringify(r.data), r.created_at, r.deleted, r.author, r.device_id);
      return `(${columns.map((_, c) => `$${i * columns.length + c + 1}`).join(', ')})`;
    });
    await client.query('BEGIN');
    await client.query(`INSERT INTO observations (${columns.join(', ')}) VALUES ${rows.join(', ')}`, values);
    await client.query('COMMIT');
  }
}

async function ourPull(token: string): Promise<number> {
  let since = 0;
  let count = 0;
  for (;;) {
    const response = await api(token, `/api/sync/pull?limit=${PAGE}`, { client_id: 'bench-reader', since: { version: since } });
    const body = (await response.json()) as { records: unknown[]; has_more: boolean; change_cutoff: number };
    count += body.records.length;
    if (!body.has_more) return count;
    since = body.change_cutoff;
  }
}

async function rawPull(client: pg.Client): Promise<number> {
  let since = 0;
  let count = 0;
  for (;;) {
    const { rows } = await client.query(
      `SELECT observation_id, form_type, form_version, data, created_at, updated_at, synced_at, deleted, version,
              geolocation, author, device_id, tags
         FROM observations WHERE version > $1 ORDER BY version, observation_id LIMIT $2`,
      [since, PAGE + 1],
    );
    const page = rows.slice(0, PAGE);
    count += page.length;
    if (rows.length <= PAGE) return count;
    since = Number(page[page.length - 1].version);
  }
}

function report(name: string, ours: number, raw: number, unit: string, amount: number): void {
  const rate = (ms: number) => Math.round((amount / ms) * 1000).toLocaleString('en-US');
  console.log(
    `${name.padEnd(28)} ours ${rate(ours).padStart(9)} ${unit}/s   raw pg ${rate(raw).padStart(9)} ${unit}/s   ` +
      `ours/raw ${((raw / ours) * 100).toFixed(0)} %`,
  );
}

export async function run(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-bench-sync-'));
  fs.chmodSync(root, 0o711);
  const database = await startEmbeddedPostgres(path.join(root, 'pg'));
  try {
    const admin = new URL(database.url);
    admin.pathname = '/postgres';
    const oursUrl = await createDatabase(admin.toString(), 'bench_ours');
    const rawUrl = await createDatabase(admin.toString(), 'bench_raw');
    Object.assign(process.env, { DATABASE_URL: oursUrl, DATA_DIR: root, JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123', LOG_LEVEL: 'warn' });
    resetConfig();
    const { token } = await issueTokenPair({ id: '00000000-0000-0000-0000-000000000000', username: 'bench', role: 'admin' });
    const raw = new pg.Client({ connectionString: rawUrl });
    await raw.connect();

    const records = Array.from({ length: RECORDS }, (_, i) => makeRecord(i));
    console.log(`sync: ${RECORDS.toLocaleString('en-US')} records, push batches of ${BATCH}, pull pages of ${PAGE}`);
    const pushOurs = await timed(() => ourPush(token, records));
    const pushRaw = await timed(() => rawPush(raw, records));
    report('push (100-record batches)', pushOurs, pushRaw, 'records', RECORDS);

    let pulledOurs = 0;
    let pulledRaw = 0;
    const pullOurs = await timed(async () => void (pulledOurs = await ourPull(token)));
    const pullRaw = await timed(async () => void (pulledRaw = await rawPull(raw)));
    if (pulledOurs !== RECORDS || pulledRaw !== RECORDS) throw new Error(`pulled ${pulledOurs} / ${pulledRaw} records`);
    report('pull (limit 500)', pullOurs, pullRaw, 'records', RECORDS);
    await raw.end();
  } finally {
    await disconnectDb();
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
