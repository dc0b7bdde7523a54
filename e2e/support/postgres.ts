import crypto from 'node:crypto';
import pg from 'pg';

/** Connection details of the test cluster, handed from the global setup to every test file through env. */
export const ADMIN_URL_ENV = 'SYNKRONUS_TEST_ADMIN_URL';
export const TEMPLATE_DB = 'synkronus_template';

export function adminUrl(): string {
  const url = process.env[ADMIN_URL_ENV];
  if (!url)
    throw new Error(`${ADMIN_URL_ENV} is not set: run the tests through vitest (global setup starts PostgreSQL)`);
  return url;
}

export function databaseUrlFor(name: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${name}`;
  return url.toString();
}

async function withAdminClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh database for one test file: a copy of the migrated template, or empty. */
export async function createDatabase(options: { fromTemplate?: boolean } = {}): Promise<string> {
  const name = `t_${crypto.randomBytes(6).toString('hex')}`;
  await withAdminClient((client) =>
    client.query(
      options.fromTemplate === false ? `CREATE DATABASE ${name}` : `CREATE DATABASE ${name} TEMPLATE ${TEMPLATE_DB}`,
    ),
  );
  return databaseUrlFor(name);
}

export async function dropDatabase(url: string): Promise<void> {
  const name = new URL(url).pathname.slice(1);
  await withAdminClient((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}
