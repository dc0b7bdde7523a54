import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { startEmbeddedPostgres } from '@/server/db/embedded';
import { startServer } from '@/e2e/support/server';
import { createDatabase, figures, login, median, ODE, rssMb } from './support';

/**
 * The Parquet export of the real server process: its peak RSS (flat in the row count means the export streams) and
 * its throughput next to a raw `COPY … TO STDOUT` of the same rows in the same run: the first export after start-up,
 * then the median of three runs of each, alternating.
 * 5 form types, 20 data keys each (numbers, booleans, strings).
 */

const SIZES = (process.env.BENCH_EXPORT_ROWS ?? '100000').split(',').map(Number);
const RUNS = 3;

async function load(client: pg.Client, rows: number): Promise<void> {
  const keys = Array.from({ length: 20 }, (_, k) =>
    k < 10
      ? `'n${k}', (i * ${k + 1}) % 1000 + 0.5`
      : k < 15
        ? `'b${k}', (i + ${k}) % 2 = 0`
        : `'s${k}', 'value-' || (i % ${k * 7})`,
  );
  await client.query(`ALTER TABLE observations DISABLE TRIGGER observations_version_trigger`);
  await client.query(`
    INSERT INTO observations (observation_id, form_type, form_version, data, created_at, version, author)
    SELECT 'obs_' || i, 'form_' || (i % 5), '1.0', jsonb_build_object(${keys.join(', ')}),
           timestamptz '2025-01-01' + i * interval '1 second', i, 'bench'
      FROM generate_series(1, ${rows}) AS i`);
  await client.query(`ALTER TABLE observations ENABLE TRIGGER observations_version_trigger`);
  // Planner statistics as autovacuum would leave them on a live server; without them the page queries go parallel.
  await client.query(`ANALYZE observations`);
}

async function copyBaseline(client: pg.Client): Promise<{ ms: number; bytes: number }> {
  let bytes = 0;
  const started = performance.now();
  await pipeline(
    client.query(
      copyTo(`COPY (SELECT * FROM observations WHERE deleted = false ORDER BY form_type, created_at) TO STDOUT`),
    ),
    new Writable({ write: (chunk: Buffer, _, done) => ((bytes += chunk.length), done()) }),
  );
  return { ms: performance.now() - started, bytes };
}

/** One export's time and bytes, and its RSS growth: its peak over the RSS when it started. */
async function exportThroughServer(url: string, pid: number): Promise<{ ms: number; bytes: number; growth: number }> {
  const token = await login(url);
  const baseRss = rssMb(pid);
  let peakRss = baseRss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(pid))), 50);
  const started = performance.now();
  const response = await fetch(`${url}/api/dataexport/parquet`, {
    headers: { authorization: `Bearer ${token}`, 'x-ode-version': ODE },
  });
  let bytes = 0;
  const reader = response.body!.getReader();
  for (let part = await reader.read(); !part.done; part = await reader.read()) bytes += part.value.byteLength;
  clearInterval(sampler);
  if (response.status !== 200) throw new Error(`export failed: ${response.status}`);
  return { ms: performance.now() - started, bytes, growth: peakRss - baseRss };
}

export async function run(): Promise<void> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-bench-export-'));
  fs.chmodSync(root, 0o711);
  const database = await startEmbeddedPostgres(path.join(root, 'pg'));
  try {
    for (const rows of SIZES) {
      const url = await createDatabase(database.url, `export_${rows}`);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      await load(client, rows);
      const server = await startServer({ env: { DB_CONNECTION: url, LOG_LEVEL: 'warn' } });
      try {
        // The first export after start-up also pays for compiling its code: shown, but the figure is the median
        // of the warm runs, each next to a COPY of its own.
        const firstCopy = await copyBaseline(client);
        const first = await exportThroughServer(server.url, server.pid);
        let growth = first.growth;
        const copyMs: number[] = [];
        const exportMs: number[] = [];
        for (let run = 0; run < RUNS; run++) {
          copyMs.push((await copyBaseline(client)).ms);
          const ours = await exportThroughServer(server.url, server.pid);
          exportMs.push(ours.ms);
          growth = Math.max(growth, ours.growth);
        }
        const [copy, ours] = [median(copyMs), median(exportMs)];
        const rate = (ms: number) => Math.round((rows / ms) * 1000).toLocaleString('en-US');
        console.log(
          `export ${rows.toLocaleString('en-US').padStart(9)} rows: parquet zip ${(first.bytes / 1048576).toFixed(1)} MB; ` +
            `first export after start ${(first.ms / 1000).toFixed(1)} s, ratio ${(firstCopy.ms / first.ms).toFixed(2)}; ` +
            `median of ${RUNS}: ${(ours / 1000).toFixed(1)} s (${rate(ours)} rows/s), COPY TO STDOUT ` +
            `${(copy / 1000).toFixed(1)} s (${rate(copy)} rows/s), ratio ${(copy / ours).toFixed(2)} (goal ≥ 0.3); ` +
            `largest RSS growth during an export ${growth.toFixed(0)} MB (goal < 150)`,
        );
        figures.push({
          figure: `Parquet export of ${rows.toLocaleString('en-US')} rows vs COPY … TO STDOUT`,
          measured: `${(copy / ours).toFixed(2)} (${rate(ours)} vs ${rate(copy)} rows/s), RSS growth ${growth.toFixed(0)} MB`,
          goal: '≥ 0.3, RSS growth < 150 MB',
        });
      } finally {
        await server.stop();
        await client.end();
      }
    }
  } finally {
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
  }
}
