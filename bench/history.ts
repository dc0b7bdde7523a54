import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@/server/db/embedded';
import { migrate } from '@/server/db/migrate';
import { resetConfig } from '@/server/config';
import { disconnectDb } from '@/server/db/client';
import { issueTokenPair } from '@/server/auth/tokens';
import { postApi } from './in-process';

/**
 * What history and conflict capture cost a push that overwrites records (the case their triggers work on):
 * the same pushes through the real REST path on two identical databases, one without the history triggers.
 * Device A writes every record, device B pulls and then overwrites them all, then A overwrites them again
 * without pulling (every record becomes a conflict).
 */

const RECORDS = Number(process.env.BENCH_HISTORY_RECORDS ?? 20_000);
const BATCH = 100;

function makeRecord(i: number, round: number) {
  return {
    observation_id: `hh_${i}`,
    form_type: `form_${i % 5}`,
    form_version: '1.0',
    data: { name: `person ${i}`, round, village: `v${i % 37}`, notes: 'x'.repeat(40) },
    created_at: new Date(1_735_000_000_000 + i * 1000).toISOString(),
    deleted: false,
  };
}

async function pushAll(token: string, clientId: string, round: number): Promise<number> {
  const started = performance.now();
  for (let start = 0; start < RECORDS; start += BATCH) {
    const records = Array.from({ length: Math.min(BATCH, RECORDS - start) }, (_, k) => makeRecord(start + k, round));
    const response = await postApi(token, '/api/sync/push', {
      transmission_id: `${clientId}-${round}-${start}`,
      client_id: clientId,
      records,
    });
    if (response.status !== 200) throw new Error(`push failed: ${response.status} ${await response.text()}`);
  }
  return performance.now() - started;
}

async function pullAll(token: string, clientId: string): Promise<void> {
  let since = 0;
  for (;;) {
    const response = await postApi(token, '/api/sync/pull?limit=1000', {
      client_id: clientId,
      since: { version: since },
    });
    const body = (await response.json()) as { has_more: boolean; change_cutoff: number };
    if (!body.has_more) return;
    since = body.change_cutoff;
  }
}

async function createDatabase(adminUrl: string, name: string, withHistory: boolean): Promise<string> {
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  if (!withHistory) {
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    await client.query(
      'DROP TRIGGER observations_history_on_update ON observations; DROP TRIGGER observations_history_on_delete ON observations',
    );
    await client.end();
  }
  return url.toString();
}

/** Overwrite rounds' milliseconds on one database. */
async function measure(
  url: string,
  token: string,
): Promise<{ overwrite: number; conflicting: number; counts: string }> {
  Object.assign(process.env, { DATABASE_URL: url });
  resetConfig();
  await pushAll(token, 'device-a', 1);
  await pullAll(token, 'device-a');
  await pullAll(token, 'device-b');
  const overwrite = await pushAll(token, 'device-b', 2);
  const conflicting = await pushAll(token, 'device-a', 3);
  await disconnectDb();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query(`
    SELECT (SELECT count(*) FROM observation_history) AS history, (SELECT count(*) FROM observation_conflicts) AS conflicts`);
  await client.end();
  return { overwrite, conflicting, counts: `history ${rows[0].history}, conflicts ${rows[0].conflicts}` };
}

export async function run(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-bench-history-'));
  fs.chmodSync(root, 0o711);
  const database = await startEmbeddedPostgres(path.join(root, 'pg'));
  try {
    const admin = new URL(database.url);
    admin.pathname = '/postgres';
    const withUrl = await createDatabase(admin.toString(), 'bench_history', true);
    const withoutUrl = await createDatabase(admin.toString(), 'bench_plain', false);
    Object.assign(process.env, {
      DATA_DIR: root,
      JWT_SECRET: 'bench-secret-bench-secret-bench-secret-0123',
      LOG_LEVEL: 'warn',
    });
    resetConfig();
    const { token } = await issueTokenPair({
      id: '00000000-0000-0000-0000-000000000000',
      username: 'bench',
      role: 'admin',
    });

    console.log(`history: ${RECORDS.toLocaleString('en-US')} records overwritten twice, push batches of ${BATCH}`);
    const plain = await measure(withoutUrl, token);
    const kept = await measure(withUrl, token);
    const rate = (ms: number) =>
      Math.round((RECORDS / ms) * 1000)
        .toLocaleString('en-US')
        .padStart(7);
    const line = (name: string, withMs: number, withoutMs: number) =>
      console.log(
        `${name.padEnd(34)} with history ${rate(withMs)} records/s   without ${rate(withoutMs)} records/s   with/without ${((withoutMs / withMs) * 100).toFixed(0)} %`,
      );
    line('overwrite after pulling', kept.overwrite, plain.overwrite);
    line('overwrite without pulling', kept.conflicting, plain.conflicting);
    console.log(`kept: ${kept.counts}`);
  } finally {
    await disconnectDb();
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
