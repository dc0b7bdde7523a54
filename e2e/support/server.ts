import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { TEST_JWT_SECRET } from './app';
import { SERVER_DIRS_ENV } from './server-dirs';

export interface RunningServer {
  url: string;
  pid: number;
  dataDir: string;
  /** Everything the process printed so far. */
  output(): string;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
}

export interface StartServerOptions {
  env?: Record<string, string>;
  /** Defaults to a fresh temp dir. */
  dataDir?: string;
  /** Next build folder; defaults to NEXT_DIST_DIR or .next (npm test builds it first). */
  distDir?: string;
  timeoutMs?: number;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function waitForExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** A data directory for one server (a PostgreSQL cluster, about 50 MB); outside a test run, its caller removes it. */
function madeDataDir(): string {
  const parent = process.env[SERVER_DIRS_ENV] ?? os.tmpdir();
  return fs.mkdtempSync(path.join(parent, 'synkronus-server-'));
}

/**
 * Starts the real server the way `npm start` does after its build step, with a fresh data
 * dir. Resolves once /health answers 200.
 */
export async function startServer(options: StartServerOptions = {}): Promise<RunningServer> {
  const root = path.resolve(__dirname, '..', '..');
  const dataDir = options.dataDir ?? madeDataDir();
  fs.chmodSync(dataDir, 0o711);
  const port = await freePort();
  let output = '';
  // The test runner's own database settings must not leak into the server: it starts the embedded one unless told.
  const { DATABASE_URL: _url, DB_CONNECTION: _connection, ...inherited } = process.env;
  // As `npm start` runs it; `node --import tsx` runs the server in this one process (the tsx CLI would add a wrapper).
  const child = spawn(process.execPath, ['--max-semi-space-size=32', '--import', 'tsx', 'server/main.ts'], {
    cwd: root,
    env: {
      ...inherited,
      NODE_ENV: 'production',
      PORT: String(port),
      DATA_DIR: dataDir,
      JWT_SECRET: TEST_JWT_SECRET,
      SYNKRONUS_BCRYPT_COST: '4',
      LOG_LEVEL: 'info',
      NEXT_DIST_DIR: options.distDir ?? process.env.NEXT_DIST_DIR ?? '.next',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.timeoutMs ?? 90_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy in time:\n${output}`);
    }
    const healthy = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (healthy) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    url,
    pid: child.pid!,
    dataDir,
    output: () => output,
    async stop() {
      child.kill('SIGTERM');
      return waitForExit(child);
    },
    async kill() {
      child.kill('SIGKILL');
      await waitForExit(child);
    },
  };
}
