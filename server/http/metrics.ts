import crypto from 'node:crypto';
import client from 'prom-client';
import { getConfig } from '@/server/config';
import { poolUse } from '@/server/db/client';
import { bearerToken, verifyToken } from '@/server/auth/tokens';
import { hasRole } from '@/server/auth/roles';

/**
 * Prometheus metrics (GET /metrics, off unless SYNKRONUS_METRICS=true). One registry per process, kept on
 * globalThis: the Node server (server/main.ts) and the Next.js bundle of the routes load this module separately.
 */

function createMetrics() {
  const registry = new client.Registry();
  client.collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new client.Counter({
      name: 'synkronus_http_requests_total',
      help: 'HTTP requests by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      registers: [registry],
    }),
    latency: new client.Histogram({
      name: 'synkronus_http_request_duration_seconds',
      help: 'Time from request to the end of the response, by method and route template',
      labelNames: ['method', 'route'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers: [registry],
    }),
    syncRequests: new client.Counter({
      name: 'synkronus_sync_requests_total',
      help: 'Successful sync requests by direction (push, pull)',
      labelNames: ['direction'],
      registers: [registry],
    }),
    syncRecords: new client.Counter({
      name: 'synkronus_sync_records_total',
      help: 'Records stored by pushes and sent by pulls',
      labelNames: ['direction'],
      registers: [registry],
    }),
    uploadBytes: new client.Counter({
      name: 'synkronus_upload_bytes_total',
      help: 'Bytes received by upload routes (attachments, app bundles), by route template',
      labelNames: ['route'],
      registers: [registry],
    }),
    pool: new client.Gauge({
      name: 'synkronus_db_pool_connections',
      help: 'Database pool connections by state (total, idle, waiting requests)',
      labelNames: ['state'],
      registers: [registry],
      collect() {
        const { total, idle, waiting } = poolUse();
        this.set({ state: 'total' }, total);
        this.set({ state: 'idle' }, idle);
        this.set({ state: 'waiting' }, waiting);
      },
    }),
  };
}

type Metrics = ReturnType<typeof createMetrics>;
const holder = globalThis as unknown as { __synkronusMetrics?: Metrics };

export function metrics(): Metrics {
  holder.__synkronusMetrics ??= createMetrics();
  return holder.__synkronusMetrics;
}

export function recordSync(direction: 'push' | 'pull', records: number): void {
  if (!getConfig().metrics.enabled) return;
  metrics().syncRequests.inc({ direction });
  metrics().syncRecords.inc({ direction }, records);
}

function sameSecret(sent: string, expected: string): boolean {
  const a = crypto.createHash('sha256').update(sent).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The metrics token, or an admin's access token. */
export async function mayReadMetrics(authorization: string | undefined): Promise<boolean> {
  const token = bearerToken(authorization ?? null);
  if (!token) return false;
  const expected = getConfig().metrics.token;
  if (expected && sameSecret(token, expected)) return true;
  const user = await verifyToken(token, 'access').catch(() => undefined);
  return user !== undefined && hasRole(user.role, 'admin');
}
