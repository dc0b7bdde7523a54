import http from 'node:http';
import path from 'node:path';
import { ConfigError, getConfig } from '@/server/config';
import { prepareServer } from '@/server/boot';
import { CONTENT_LENGTH_HEADER, PEER_ADDRESS_HEADER } from '@/server/http/request-info';
import { logger } from '@/server/logger';
import { startHistoryPruning } from '@/server/services/history';

/**
 * `npm start`: prepares the database, then serves the Next.js app (console, REST API, streaming routes) from
 * one Node HTTP server. A custom server so that the socket's peer address reaches the login limiter and the
 * HTTP timeouts match upstream (25 s for headers, no whole-request deadline that would cut slow uploads).
 */

const dev = process.env.SYNKRONUS_DEV === '1';
Object.assign(process.env, { NODE_ENV: dev ? 'development' : 'production' });

const SHUTDOWN_GRACE_MS = 15_000;

async function main(): Promise<void> {
  const startedAt = Date.now();
  const prepared = await prepareServer();
  const config = getConfig();
  const { default: next } = await import('next');
  const app = next({ dev, dir: path.resolve(__dirname, '..'), port: config.port });
  await app.prepare();
  const handle = app.getRequestHandler();

  const server = http.createServer((req, res) => {
    req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
    restoreContentLength(res);
    void handle(req, res);
  });
  server.headersTimeout = 25_000;
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, resolve);
  });
  logger.info('synkronus listening', {
    port: config.port,
    url: `http://localhost:${config.port}`,
    database: prepared.embedded ? 'embedded' : 'external',
    startupMs: Date.now() - startedAt,
  });
  startHistoryPruning();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info('shutting down', { signal });
    const force = setTimeout(() => server.closeAllConnections(), SHUTDOWN_GRACE_MS).unref();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    clearTimeout(force);
    await app.close().catch(() => undefined);
    await prepared.embedded?.stop().catch((err: Error) => logger.error('embedded PostgreSQL did not stop', { error: err.message }));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

/** Headers are sent through writeHead (explicitly or on the first write): restore Content-Length there. */
function restoreContentLength(res: http.ServerResponse): void {
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    const length = this.getHeader(CONTENT_LENGTH_HEADER);
    if (length !== undefined) {
      this.removeHeader(CONTENT_LENGTH_HEADER);
      this.setHeader('Content-Length', length);
    }
    return writeHead.apply(this, args);
  } as typeof writeHead;
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : (err as Error).stack ?? String(err);
  logger.error('synkronus failed to start', { error: message });
  process.exit(1);
});
