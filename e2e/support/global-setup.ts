import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '@/server/db/embedded';
import { migrate } from '@/server/db/migrate';
import { ADMIN_URL_ENV, TEMPLATE_DB } from './postgres';

/**
 * One real PostgreSQL (the embedded one) for the whole run; a migrated template database that each test file
 * copies, so files run in parallel without seeing each other's rows.
 */
export default async function setup(): Promise<() => Promise<void>> {
  process.env.LOG_LEVEL ??= 'error';
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-test-pg-'));
  fs.chmodSync(root, 0o711);
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
  };
}
