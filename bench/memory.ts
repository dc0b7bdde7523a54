import fs from 'node:fs';
import { startServer } from '@/e2e/support/server';
import { figures, fmt, login, makeRecord, post, rssMb } from './support';

/**
 * Resident memory of the real server process after a sync load: 50,000 records pushed by 8 devices in 100-record
 * batches, then pulled in 500-record pages, next to the same process's RSS when it was idle after start-up.
 */

const RECORDS = Number(process.env.BENCH_MEMORY_RECORDS ?? 50_000);
const DEVICES = 8;
const BATCH = 100;
const PAGE = 500;

export async function run(): Promise<void> {
  const server = await startServer({ env: { LOG_LEVEL: 'warn' } });
  try {
    const token = await login(server.url);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idle = rssMb(server.pid);
    let peak = idle;
    const sampler = setInterval(() => (peak = Math.max(peak, rssMb(server.pid))), 100);
    const batches = Math.ceil(RECORDS / BATCH);
    await Promise.all(
      Array.from({ length: DEVICES }, async (_, device) => {
        for (let b = device; b < batches; b += DEVICES) {
          const records = Array.from({ length: BATCH }, (_, k) => makeRecord(b * BATCH + k, 'mem'));
          const response = await post(`${server.url}/api/sync/push`, token, {
            transmission_id: `mem-${b}`,
            client_id: `device-${device}`,
            records,
          });
          if (response.status !== 200) throw new Error(`push failed: ${response.status} ${await response.text()}`);
          await response.arrayBuffer();
        }
      }),
    );
    let since = 0;
    let pulled = 0;
    for (;;) {
      const response = await post(`${server.url}/api/sync/pull?limit=${PAGE}`, token, {
        client_id: 'mem-reader',
        since: { version: since },
      });
      const body = (await response.json()) as { records: unknown[]; has_more: boolean; change_cutoff: number };
      pulled += body.records.length;
      if (!body.has_more) break;
      since = body.change_cutoff;
    }
    if (pulled !== RECORDS) throw new Error(`pulled ${pulled} of ${RECORDS} records`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    clearInterval(sampler);
    const after = rssMb(server.pid);
    console.log(
      `memory: server RSS idle ${fmt(idle)} MB, peak ${fmt(peak)} MB, after pushing and pulling ${fmt(RECORDS)} records ` +
        `${fmt(after)} MB (goal < 450 MB) = ${(after / idle).toFixed(2)} × idle`,
    );
    figures.push({
      figure: `server RSS after pushing and pulling ${fmt(RECORDS)} records`,
      measured: `${fmt(after)} MB (idle ${fmt(idle)} MB, peak ${fmt(peak)} MB)`,
      goal: '< 450 MB',
    });
  } finally {
    await server.stop();
    fs.rmSync(server.dataDir, { recursive: true, force: true });
  }
}
