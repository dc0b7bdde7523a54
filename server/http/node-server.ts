import http from 'node:http';
import { getConfig } from '@/server/config';
import { metrics, mayReadMetrics } from '@/server/http/metrics';
import { pathProblem } from '@/server/http/request-guards';
import { allowedMethods, apiPathOf, routeTemplate } from '@/server/http/operations';
import { PEER_ADDRESS_HEADER } from '@/server/http/request-info';
import { sendWebResponse, toWebRequest } from '@/server/http/web-bridge';
import type { AppError } from '@/server/errors';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';

/**
 * The Node HTTP server: the REST API under /api is served here directly (server/http/api.ts); the console, its own
 * API routes and the documents are the Next.js app. Next.js adds nothing the REST API uses and costs about half of
 * a small request's CPU time (`npm run bench -- soak`). What must happen at the socket level, for both:
 * - request-line cases Next cannot route (`OPTIONS *`, methods such as TRACE) get their answer here;
 * - REST paths with a trailing or doubled slash are redirected (308, the method kept) as Next.js does for its own;
 * - slow clients: headers must arrive within `headersTimeout`; a body is cut when, over a window, it arrives
 *   slower than the minimum rate while the server is waiting for it (not while the server holds it back);
 * - a response sent before its request body was read (a refusal) closes the connection, so the unread rest of
 *   the body can never be taken for the next request or leave the connection hanging;
 * - metrics per route template, and GET /metrics when enabled;
 * - graceful shutdown: stop accepting, let requests in flight finish within the grace period.
 */

export type NodeHandler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

export interface Handlers {
  /** The REST API (server/http/api.ts). */
  api: (request: Request) => Promise<Response>;
  /** The Next.js app: console pages, the console's tRPC, sign-in and change-feed routes, documents, health. */
  app: NodeHandler;
}

/** Methods the handlers receive; anything else is answered here. */
const ROUTED_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']);
const UPLOAD_ROUTES = new Set(['/attachments/{attachment_id}', '/app-bundle/push']);
/** First segments under /api that belong to the console's Next.js routes, not to the REST API. */
const CONSOLE_API_SEGMENTS = new Set(['trpc', 'console-auth', 'console-changes']);

export interface SynkronusServer {
  server: http.Server;
  /** Stops accepting, waits for requests in flight (at most the grace period), then closes every connection. */
  drain(): Promise<void>;
}

export function createSynkronusServer(handlers: Handlers): SynkronusServer {
  const config = getConfig().http;
  let draining = false;
  const server = http.createServer({ connectionsCheckingInterval: 1000 }, (req, res) => {
    req.headers[PEER_ADDRESS_HEADER] = req.socket.remoteAddress ?? '';
    const startedAt = process.hrtime.bigint();
    const readBefore = req.socket.bytesRead;
    prepareHeaders(req, res, () => draining);
    guardBodyRate(req, config.bodyTimeoutSeconds, config.minBodyBytesPerSecond);
    if (getConfig().metrics.enabled)
      res.once('finish', () => observe(req, res, startedAt, req.socket.bytesRead - readBefore));
    void serve(req, res, handlers).catch((err: Error) => {
      logger.error('request failed before the app', { error: err.stack ?? err.message });
      if (!res.headersSent) sendProblem(res, problem('server.internal'));
      else res.destroy();
    });
  });
  server.headersTimeout = config.headersTimeoutSeconds * 1000;
  // No whole-request deadline (it would cut slow but steady uploads): the body rate guard handles trickling bodies.
  server.requestTimeout = 0;
  server.keepAliveTimeout = 60_000;

  const drain = async () => {
    draining = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    const grace = setTimeout(() => server.closeAllConnections(), config.shutdownGraceSeconds * 1000);
    await closed;
    clearTimeout(grace);
  };
  return { server, drain };
}

async function serve(req: http.IncomingMessage, res: http.ServerResponse, handlers: Handlers): Promise<void> {
  if (req.url === '*') {
    if (req.method === 'OPTIONS') return sendEmpty(res, 204, { Allow: [...ROUTED_METHODS].join(', ') });
    return sendProblem(res, problem('request.invalid_target'));
  }
  const pathname = safePathname(req.url ?? '/');
  // Next.js decodes the path itself and fails with a 500 on a malformed escape: refuse those first.
  if (pathProblem(pathname)) return sendProblem(res, problem('request.malformed_path'));
  if (!ROUTED_METHODS.has(req.method ?? '')) {
    const allowed = pathname.startsWith('/api/') ? allowedMethods(apiPathOf(pathname)) : undefined;
    if (pathname.startsWith('/api/') && !allowed) return sendProblem(res, problem('request.not_found'));
    const allow = (allowed ?? ['GET', 'HEAD', 'POST', 'OPTIONS']).join(', ');
    return sendProblem(res, problem('request.method_not_allowed', { allowed: allow }));
  }
  if (pathname === '/metrics' && getConfig().metrics.enabled) return serveMetrics(req, res);
  if (!isRestPath(pathname)) return handlers.app(req, res);
  const canonical = canonicalPath(pathname);
  if (canonical !== pathname) return redirect(res, canonical + querySuffix(req.url ?? ''));
  await sendWebResponse(res, await handlers.api(toWebRequest(req, res)));
}

function isRestPath(pathname: string): boolean {
  if (pathname !== '/api' && !pathname.startsWith('/api/')) return false;
  return !CONSOLE_API_SEGMENTS.has(pathname.split('/')[2] ?? '');
}

/** Without doubled slashes and without a trailing one. */
const canonicalPath = (pathname: string): string => pathname.replace(/\/{2,}/g, '/').replace(/(.)\/$/, '$1');

const querySuffix = (url: string): string => (url.includes('?') ? url.slice(url.indexOf('?')) : '');

/** 308 keeps the method and the body, so a client that follows it repeats its push or upload as it was. */
function redirect(res: http.ServerResponse, location: string): void {
  res.writeHead(308, {
    Location: location,
    'Content-Type': 'text/plain',
    'Content-Length': Buffer.byteLength(location),
  });
  res.end(location);
}

async function serveMetrics(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendProblem(res, problem('request.method_not_allowed', { allowed: 'GET, HEAD' }));
  }
  if (!(await mayReadMetrics(req.headers.authorization))) {
    return sendProblem(res, problem('metrics.unauthorized'), { 'WWW-Authenticate': 'Bearer' });
  }
  const { registry } = metrics();
  const text = await registry.metrics();
  res.writeHead(200, { 'Content-Type': registry.contentType, 'Content-Length': Buffer.byteLength(text) });
  res.end(req.method === 'HEAD' ? undefined : text);
}

function safePathname(url: string): string {
  try {
    return new URL(url, 'http://localhost').pathname;
  } catch {
    return '/';
  }
}

/** Metrics labels stay bounded: API paths by template, everything else by its kind. */
function routeLabel(pathname: string): string {
  if (isRestPath(pathname)) {
    const template = routeTemplate(apiPathOf(pathname));
    return template ? `/api${template}` : 'unmatched';
  }
  if (pathname.startsWith('/api/')) return pathname.split('/').slice(0, 3).join('/');
  if (pathname === '/health' || pathname === '/metrics') return pathname;
  if (pathname.startsWith('/openapi')) return '/openapi';
  if (pathname.startsWith('/_next/')) return '/_next';
  return 'console';
}

function observe(req: http.IncomingMessage, res: http.ServerResponse, startedAt: bigint, bytesRead: number): void {
  const route = routeLabel(safePathname(req.url ?? '/'));
  const method = req.method ?? 'UNKNOWN';
  const { requests, latency, uploadBytes } = metrics();
  requests.inc({ method, route, status: String(res.statusCode) });
  latency.observe({ method, route }, Number(process.hrtime.bigint() - startedAt) / 1e9);
  if (UPLOAD_ROUTES.has(route.replace(/^\/api/, '')) && method !== 'GET') uploadBytes.inc({ route }, bytesRead);
}

/**
 * Headers go out through writeHead (explicitly or on the first write): close the connection there after a response
 * that was sent before its request body arrived, or while the server is draining.
 */
function prepareHeaders(req: http.IncomingMessage, res: http.ServerResponse, draining: () => boolean): void {
  const bodyUnread = () => hasBody(req) && !req.complete;
  const writeHead = res.writeHead;
  res.writeHead = function (this: http.ServerResponse, ...args: Parameters<typeof writeHead>) {
    if (bodyUnread() || draining()) this.setHeader('Connection', 'close');
    return writeHead.apply(this, args);
  } as typeof writeHead;
  // A closed response leaves an unread request body behind: drop the socket rather than wait for the rest.
  res.once('finish', () => {
    if (bodyUnread()) req.socket.destroySoon();
  });
}

const hasBody = (req: http.IncomingMessage): boolean =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Every window, a body still arriving must have brought at least `minBytesPerSecond × window` bytes, unless the
 * server was the one not reading (the request stream's buffer is full, e.g. an upload waiting for a slot).
 */
function guardBodyRate(req: http.IncomingMessage, windowSeconds: number, minBytesPerSecond: number): void {
  if (!hasBody(req) || req.complete) return;
  let lastRead = req.socket.bytesRead;
  const timer = setInterval(() => {
    if (req.complete || req.destroyed) return clearInterval(timer);
    const arrived = req.socket.bytesRead - lastRead;
    lastRead = req.socket.bytesRead;
    const heldBackByServer = req.readableLength >= req.readableHighWaterMark || req.socket.isPaused();
    if (heldBackByServer || arrived >= minBytesPerSecond * windowSeconds) return;
    clearInterval(timer);
    logger.warn('request body too slow; connection closed', { url: req.url, bytesInWindow: arrived, windowSeconds });
    req.socket.destroy();
  }, windowSeconds * 1000);
  timer.unref();
  req.once('close', () => clearInterval(timer));
}

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body) + '\n';
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendProblem(res: http.ServerResponse, error: AppError, headers: Record<string, string> = {}): void {
  sendJson(res, error.status, error.toBody(), { ...error.options.headers, ...headers });
}

function sendEmpty(res: http.ServerResponse, status: number, headers: Record<string, string>): void {
  res.writeHead(status, headers);
  res.end();
}
