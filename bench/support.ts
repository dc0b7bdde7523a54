import fs from 'node:fs';
import pg from 'pg';
import { migrate } from '@/server/db/migrate';

/** Helpers shared by the benchmarks. */

export const ODE = '1.3.1';

export function rssMb(pid: number): number {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1] ?? NaN) / 1024;
}

/** A Formulus-like record: a few data keys, a note, the author and device. */
export function makeRecord(i: number, prefix = 'obs') {
  return {
    observation_id: `${prefix}_${1718000000000 + i}_${i % 10000}`,
    form_type: `form_${i % 5}`,
    form_version: '1.0',
    data: { name: `person ${i}`, age: i % 90, village: `v${i % 37}`, consent: i % 2 === 0, notes: 'x'.repeat(40) },
    created_at: new Date(1_735_000_000_000 + i * 1000).toISOString(),
    deleted: false,
    author: 'bench',
    device_id: 'bench-device',
  };
}
export type BenchRecord = ReturnType<typeof makeRecord>;

export async function timed(fn: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** A new migrated database on the server of `adminUrl`; returns its URL. */
export async function createDatabase(adminUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  await migrate(url.toString());
  return url.toString();
}

export async function login(url: string, username = 'admin', password = 'admin'): Promise<string> {
  const response = await fetch(`${url}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ode-version': ODE },
    body: JSON.stringify({ username, password }),
  });
  if (!response.ok) throw new Error(`login failed: ${response.status}`);
  return ((await response.json()) as { token: string }).token;
}

export function post(url: string, token: string, body: unknown, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-ode-version': ODE, authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
    signal,
  });
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export const median = (values: number[]) =>
  percentile(
    [...values].sort((a, b) => a - b),
    50,
  );

export const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** One row of issue 11's table: what was measured, against which same-run baseline, and the goal. */
export interface Figure {
  figure: string;
  measured: string;
  goal: string;
}

/** The table's rows as the benchmarks measure them; `npm run bench` prints them together at the end. */
export const figures: Figure[] = [];
