import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { getConfig, parseGoBool } from '@/server/config';
import { AppError, badRequest } from '@/server/errors';
import type { BinaryRoute, BinaryRouteContext } from '@/server/http/binary-routes';
import { jsonResponse } from '@/server/http/responses';
import { logger } from '@/server/logger';
import { presence } from '@/server/services/presence';
import { BundleService, bundleTooLarge, type OpenedFile } from '@/server/services/bundles/service';
import type { StagedBundle } from '@/server/services/bundles/store';
import { limitBytes } from '@/server/services/bundles/files';
import {
  downloadAppBundleFile,
  downloadAppBundleZip,
  getAppBundleManifest,
  pushAppBundle,
} from '@/server/wire/bundles';
import { record, requestOrigin } from '@/server/services/audit';

/**
 * The app-bundle endpoints that are not plain JSON (api-contract §5): the multipart push, the manifest with
 * ETag/304, single files with ETag/304 and the uploaded zip with byte ranges. Everything streams.
 */

/** Room for the multipart boundaries and part headers around the zip. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

const invalidFormat = (error = 'An error occurred') =>
  badRequest(error, "Invalid request format. Expected multipart form with a 'bundle' file");
const noBundleFile = () => badRequest('missing bundle file', 'Failed to get bundle file from form');

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

async function push(request: Request, ctx: BinaryRouteContext): Promise<Response> {
  const service = new BundleService();
  const staged = await receiveBundle(request, service);
  const manifest = await service.push(staged);
  await record({
    ...requestOrigin(ctx),
    action: 'bundle.push',
    target: manifest.version,
    details: { files: manifest.files.length },
  });
  return jsonResponse({ message: 'App bundle successfully pushed', manifest });
}

/** Streams the multipart part `bundle` into staging; other parts are skipped. */
async function receiveBundle(request: Request, service: BundleService): Promise<StagedBundle> {
  const bodyLimit = getConfig().bundles.maxBytes + MULTIPART_OVERHEAD_BYTES;
  if (Number(request.headers.get('content-length') ?? 0) > bodyLimit) throw bundleTooLarge();
  const contentType = request.headers.get('content-type') ?? '';
  if (!request.body || !/^multipart\/form-data/i.test(contentType)) throw invalidFormat();
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: { fieldSize: 64 * 1024, fields: 100 } });
  } catch (err) {
    throw invalidFormat((err as Error).message);
  }

  const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
  let receiving: Promise<Settled<StagedBundle>> | undefined;
  parser.on('file', (name, stream) => {
    if (name !== 'bundle' || receiving) {
      stream.resume();
      return;
    }
    // The parser may fail the part (body cut short) before staging starts reading it; the pipeline above reports it.
    stream.on('error', () => undefined);
    receiving = settle(service.receive(stream));
    // A failed receive (size cap, disk) stops reading the request.
    void receiving.then((result) => !result.ok && body.destroy(result.error as Error));
  });

  const parsed = await settle(pipeline(body, limitBytes(bodyLimit, bundleTooLarge), parser));
  const received = await receiving;
  // Which failure the client hears: the bundle's own (413, invalid zip), the body's (413, malformed), then the rest.
  if (received && !received.ok && received.error instanceof AppError) throw received.error;
  if (!parsed.ok) {
    if (received?.ok) await received.value.discard();
    throw parsed.error instanceof AppError ? parsed.error : invalidFormat((parsed.error as Error).message);
  }
  if (received && !received.ok) throw received.error;
  if (!received) throw noBundleFile();
  return received.value;
}

async function manifest(request: Request, ctx: BinaryRouteContext): Promise<Response> {
  const current = await new BundleService().activeManifest();
  if (!current)
    return jsonResponse({ error: 'no active app bundle', message: 'No app bundle is active' }, { status: 404 });
  presence().record({
    username: ctx.user.username,
    clientId: ctx.request.clientId,
    appBundleVersion: current.version,
    odeVersion: ctx.request.odeVersion,
  });
  const etag = `"${current.hash}"`;
  // A plain 304: the OpenAPI adapter cannot answer one.
  if (request.headers.get('if-none-match') === etag)
    return new Response(null, { status: 304, headers: { ETag: etag } });
  return jsonResponse(current, { headers: { ETag: etag } });
}

async function downloadFile(request: Request, ctx: BinaryRouteContext): Promise<Response> {
  const filePath = decodePathParam(ctx.params.path);
  const preview = parseGoBool(new URL(request.url).searchParams.get('preview') ?? undefined) === true;
  const opened = await new BundleService().openFile(filePath, preview);
  if (!opened)
    return jsonResponse({ error: `file not found: ${filePath}`, message: 'File not found' }, { status: 404 });
  const etag = `"${opened.file.hash}"`;
  const headers = new Headers({ 'Content-Type': opened.file.mimeType, ETag: etag });
  if (preview) headers.set('x-is-preview', 'true');
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch === etag || ifNoneMatch === '*') {
    await opened.release();
    return new Response(null, { status: 304, headers });
  }
  const body = await streamOf(opened, filePath);
  if (!body) return jsonResponse({ error: `file not found: ${filePath}`, message: 'File not found' }, { status: 404 });
  headers.set('Content-Length', String(opened.size));
  return new Response(body, { status: 200, headers });
}

/** `{path+}` arrives raw: `forms%2Fperson%2Fschema.json` and `forms/person/schema.json` mean the same file. */
function decodePathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badRequest(`invalid URL escape in path: ${raw}`, 'Invalid file path encoding');
  }
}

async function downloadZip(request: Request): Promise<Response> {
  const opened = await new BundleService().openActiveZip();
  if (!opened)
    return jsonResponse({ error: 'bundle zip not available', message: 'Bundle zip not available' }, { status: 404 });
  const etag = `"${opened.file.hash}"`;
  const lastModified = opened.modified.toUTCString();
  const headers = new Headers({
    'Content-Type': 'application/zip',
    'Content-Disposition': 'attachment; filename="bundle.zip"',
    'Accept-Ranges': 'bytes',
    ETag: etag,
    'Last-Modified': lastModified,
  });
  const ifRange = request.headers.get('if-range');
  const rangeApplies = !ifRange || ifRange === etag || ifRange === lastModified;
  const range = rangeApplies ? parseByteRange(request.headers.get('range'), opened.size) : undefined;
  if (range === 'unsatisfiable') {
    await opened.release();
    headers.set('Content-Range', `bytes */${opened.size}`);
    return jsonResponse(
      { error: 'range not satisfiable', message: 'Requested range not satisfiable' },
      { status: 416, headers },
    );
  }
  const body = await streamOf(opened, 'bundle.zip', range);
  if (!body)
    return jsonResponse({ error: 'bundle zip not available', message: 'Bundle zip not available' }, { status: 404 });
  if (!range) {
    headers.set('Content-Length', String(opened.size));
    return new Response(body, { status: 200, headers });
  }
  headers.set('Content-Range', `bytes ${range.start}-${range.end}/${opened.size}`);
  headers.set('Content-Length', String(range.end - range.start + 1));
  return new Response(body, { status: 206, headers });
}

type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range (RFC 9110 §14.1.2). Several ranges or a malformed header are ignored (the whole file is
 * sent, which the RFC allows); a range starting past the end is unsatisfiable.
 */
export function parseByteRange(header: string | null, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header ? /^bytes=(\d*)-(\d*)$/.exec(header.trim()) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(match[1]);
  if (match[2] !== '' && Number(match[2]) < start) return undefined;
  if (start >= size) return 'unsatisfiable';
  return { start, end: match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1) };
}

/** The file (or range) from the store; undefined when its version was pruned since it was listed. */
async function streamOf(
  opened: OpenedFile,
  name: string,
  range?: ByteRange,
): Promise<ReadableStream<Uint8Array> | undefined> {
  const stream = await opened.read(range);
  if (!stream) return undefined;
  stream.on('error', (err) => logger.error('app bundle download failed while streaming', { name, error: err.message }));
  return Readable.toWeb(stream) as unknown as ReadableStream<Uint8Array>;
}

export const bundlesRoutes: BinaryRoute[] = [
  {
    method: 'POST',
    path: '/app-bundle/push',
    role: 'admin',
    handle: push,
    openapi: pushAppBundle,
  },
  {
    method: 'POST',
    path: '/app-bundle/switch',
    role: 'admin',
    handle: async () => {
      throw badRequest('An error occurred', 'Version is required');
    },
  },
  {
    method: 'GET',
    path: '/app-bundle/manifest',
    role: 'read-only',
    handle: manifest,
    openapi: getAppBundleManifest,
  },
  {
    method: 'GET',
    path: '/app-bundle/download-zip',
    role: 'read-only',
    handle: downloadZip,
    openapi: downloadAppBundleZip,
  },
  {
    method: 'GET',
    path: '/app-bundle/download/{path+}',
    role: 'read-only',
    handle: downloadFile,
    openapi: downloadAppBundleFile,
  },
];
