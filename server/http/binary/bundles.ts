import { Readable } from 'node:stream';
import { getConfig, parseGoBool } from '@/server/config';
import { problem } from '@/server/problems';
import type { BinaryRoute, BinaryRouteContext } from '@/server/http/binary-routes';
import { filePart, type FilePartForm } from '@/server/http/multipart';
import { appErrorResponse, jsonResponse } from '@/server/http/responses';
import { logger } from '@/server/logger';
import { presence } from '@/server/services/presence';
import { BundleService, bundleTooLarge } from '@/server/services/bundles/service';
import type { OpenedFile } from '@/server/services/bundles/store';
import {
  downloadAppBundleFile,
  downloadAppBundleZip,
  getAppBundleManifest,
  pushAppBundle,
} from '@/server/wire/bundles';
import { requestOrigin } from '@/server/services/audit';

/**
 * The app-bundle endpoints that are not plain JSON (api-contract §5): the multipart push, the manifest with
 * ETag/304, single files with ETag/304 and the uploaded zip with byte ranges. Everything streams.
 */

/** The zip is the first file part named `bundle`; other parts are skipped. */
const pushForm = (): FilePartForm => ({
  field: 'bundle',
  parts: 'first',
  maxFileBytes: getConfig().bundles.maxBytes,
  formDataOnly: true,
  errors: {
    tooLarge: bundleTooLarge,
    malformed: (detail = 'An error occurred') => problem('bundle.multipart_invalid', { detail }),
    noFile: () => problem('bundle.file_missing'),
  },
});

async function push(request: Request, ctx: BinaryRouteContext): Promise<Response> {
  const manifest = await new BundleService().push(filePart(request, pushForm()), requestOrigin(ctx));
  return jsonResponse({ message: 'App bundle successfully pushed', manifest });
}

async function manifest(request: Request, ctx: BinaryRouteContext): Promise<Response> {
  const current = await new BundleService().activeManifest();
  if (!current) return appErrorResponse(problem('bundle.none_active'));
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
  if (!opened) return appErrorResponse(problem('bundle.file_not_found', { path: filePath }));
  const etag = `"${opened.file.hash}"`;
  const headers = new Headers({ 'Content-Type': opened.file.mimeType, ETag: etag });
  if (preview) headers.set('x-is-preview', 'true');
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch === etag || ifNoneMatch === '*') {
    await opened.release();
    return new Response(null, { status: 304, headers });
  }
  const body = await streamOf(opened, filePath);
  if (!body) return appErrorResponse(problem('bundle.file_not_found', { path: filePath }));
  headers.set('Content-Length', String(opened.size));
  return new Response(body, { status: 200, headers });
}

/** `{path+}` arrives raw: `forms%2Fperson%2Fschema.json` and `forms/person/schema.json` mean the same file. */
function decodePathParam(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw problem('bundle.path_encoding_invalid', { path: raw });
  }
}

async function downloadZip(request: Request): Promise<Response> {
  const opened = await new BundleService().openActiveZip();
  if (!opened) return appErrorResponse(problem('bundle.zip_unavailable'));
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
    const unsatisfiable = problem('bundle.range_not_satisfiable');
    return jsonResponse(unsatisfiable.toBody(), { status: unsatisfiable.status, headers });
  }
  const body = await streamOf(opened, 'bundle.zip', range);
  if (!body) return appErrorResponse(problem('bundle.zip_unavailable'));
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
      throw problem('bundle.version_required');
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
