import fs from 'node:fs';
import http from 'node:http';
import { startServer, type RunningServer } from '@/e2e/support/server';
import { figures, fmt, login, makeRecord, percentile, post } from './support';

/**
 * Open-loop soak of the real server process: 10-record pushes sent at a fixed rate for a fixed time, whatever the
 * server's answers do (a closed loop would slow down with the server and hide the queue). A push counts as a
 * success only with a 200 within the deadline; anything else (error, timeout) is a failure. Each push comes from
 * one of 200 devices with new records, as a campaign morning's first syncs.
 */

const SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 30);
const RATES = (process.env.BENCH_SOAK_RATES ?? '50,500').split(',').map(Number);
const RECORDS_PER_PUSH = 10;
const DEVICES = 200;
const DEADLINE_MS = 2_000;
/** Enough for V8 to optimise the push path: with 20 pushes, the first 3 to 4 seconds of 500/s went to compiling. */
const WARM_UP_PUSHES = 1_000;
const WARM_UP_DEVICES = 8;

interface Outcome {
  ok: boolean;
  ms: number;
  /** The HTTP status, or the error's message. */
  cause: string;
}

async function soak(server: RunningServer, token: string, rate: number): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 2_000 });
  // Built before the clock starts: on 2 cores, the load generator's work competes with the server it measures.
  const bodies = Array.from({ length: rate * SECONDS }, (_, i) => {
    const records = Array.from({ length: RECORDS_PER_PUSH }, (_, k) =>
      makeRecord(i * RECORDS_PER_PUSH + k, `soak${rate}`),
    );
    return JSON.stringify({ transmission_id: `soak-${rate}-${i}`, client_id: `device-${i % DEVICES}`, records });
  });
  const outcomes: Promise<Outcome>[] = [];
  const started = performance.now();
  for (const [i, body] of bodies.entries()) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    outcomes.push(pushOnce(server.url, token, body, agent, due));
  }
  const results = await Promise.all(outcomes);
  agent.destroy();
  return results;
}

/** Latency is counted from the scheduled send time, so that a late sender does not hide queueing. */
function pushOnce(url: string, token: string, body: string, agent: http.Agent, due: number): Promise<Outcome> {
  return new Promise((resolve) => {
    const timer = setTimeout(
      () => request.destroy(new Error('deadline')),
      Math.max(0, due + DEADLINE_MS - performance.now()),
    );
    const done = (cause: string) => {
      clearTimeout(timer);
      const ms = performance.now() - due;
      resolve({ ok: cause === '200' && ms <= DEADLINE_MS, ms, cause });
    };
    const request = http.request(`${url}/api/sync/push`, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
        'x-ode-version': '1.3.1',
        authorization: `Bearer ${token}`,
      },
    });
    request.on('error', (err) => done(err.message));
    request.on('response', (response) => {
      response.resume();
      response.on('end', () => done(String(response.statusCode)));
      response.on('error', (err) => done(err.message));
    });
    request.end(body);
  });
}

/** Pushes from a few devices at a time, so that the soak measures a warm server (modules loaded, code optimised). */
async function warmUp(url: string, token: string): Promise<void> {
  await Promise.all(
    Array.from({ length: WARM_UP_DEVICES }, async (_, device) => {
      for (let i = device; i < WARM_UP_PUSHES; i += WARM_UP_DEVICES) {
        const response = await post(`${url}/api/sync/push`, token, {
          transmission_id: `warm-${i}`,
          client_id: `warm-up-${device}`,
          records: Array.from({ length: RECORDS_PER_PUSH }, (_, k) => makeRecord(i * RECORDS_PER_PUSH + k, 'warm')),
        });
        if (response.status !== 200)
          throw new Error(`warm-up push failed: ${response.status} ${await response.text()}`);
        await response.arrayBuffer();
      }
    }),
  );
}

export async function run(): Promise<void> {
  for (const rate of RATES) {
    const server = await startServer({ env: { LOG_LEVEL: 'warn' } });
    try {
      const token = await login(server.url);
      await warmUp(server.url, token);
      const outcomes = await soak(server, token, rate);
      const succeeded = outcomes.filter((o) => o.ok).length;
      const latencies = outcomes.map((o) => Math.min(o.ms, DEADLINE_MS)).sort((a, b) => a - b);
      const served = succeeded / SECONDS;
      console.log(
        `soak ${String(rate).padStart(4)} pushes/s × ${SECONDS} s (${RECORDS_PER_PUSH} records, deadline ${DEADLINE_MS} ms): ` +
          `${((succeeded / outcomes.length) * 100).toFixed(1)} % succeed (goal 100 %), ${fmt(served)} pushes/s served ` +
          `= ${(served / rate).toFixed(2)} of the offered rate, p50 ${fmt(percentile(latencies, 50))} ms, ` +
          `p95 ${fmt(percentile(latencies, 95))} ms (goal < 250 ms)`,
      );
      figures.push({
        figure: `open-loop soak, ${RECORDS_PER_PUSH}-record pushes at ${rate}/s for ${SECONDS} s`,
        measured:
          `${((succeeded / outcomes.length) * 100).toFixed(1)} % succeed (${(served / rate).toFixed(2)} of the offered ` +
          `rate served), p95 ${fmt(percentile(latencies, 95))} ms`,
        goal: rate >= 500 ? '100 %, p95 < 250 ms' : '100 %, p95 ≈ 14 ms (keep)',
      });
      const causes = new Map<string, number>();
      for (const outcome of outcomes) if (!outcome.ok) causes.set(outcome.cause, (causes.get(outcome.cause) ?? 0) + 1);
      if (causes.size > 0) console.log(`  failures: ${[...causes].map(([cause, n]) => `${cause} × ${n}`).join(', ')}`);
    } finally {
      await server.stop();
      fs.rmSync(server.dataDir, { recursive: true, force: true });
    }
  }
}
