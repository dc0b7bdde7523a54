import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { getConfig, parseGoBool } from '@/server/config';
import { AppError, badRequest } from '@/server/errors';
import type { BinaryRoute } from '@/server/http/binary-routes';
import { jsonResponse } from '@/server/http/responses';
import { toWebStream, zipResponse, type ZipEntry } from '@/server/http/zip-response';
import { logger } from '@/server/logger';
import { attachmentExportEntries, type ExportEntry } from '@/server/services/attachments/export';
import { attachmentIdFromPath } from '@/server/services/attachments/ids';
import { AttachmentService, uploadTooLarge, type ReceivedUpload } from '@/server/services/attachments/service';
import { clientGeneration } from '@/server/http/generation-header';
import { GENERATION_HEADER } from '@/server/wire/headers';
import { record, requestOrigin } from '@/server/services/audit';
import type { StoredFileInfo } from '@/server/storage/attachment-store';
import {
  checkAttachmentExists,
  downloadAttachment,
  getAttachmentsExportZip,
  uploadAttachment,
} from '@/server/wire/attachments';

/**
 * The streaming attachment endpoints (api-contract §4): multipart upload, download / existence check, and
 * the zip of all attachments. Bodies are streamed both ways; nothing holds a whole file in memory.
 */

/** Room for the multipart boundaries and part headers around the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

const multipartInvalid = () => badRequest('An error occurred', 'Failed to parse multipart form');
const notExactlyOneFile = () => badRequest('An error occurred', 'Exactly one file part is required');
const notFoundBody = { error: 'An error occurred', message: 'Attachment not found' };

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(promise: Promise<T>): Promise<Settled<T>> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

async function upload(request: Request, id: string, client: string): Promise<Response> {
  const attachmentId = attachmentIdFromPath(id);
  if (!attachmentId) throw badRequest('An error occurred', 'attachment_id is invalid');
  const service = new AttachmentService();
  const release = await service.acquireUploadSlot(client, request.signal);
  try {
    await service.assertUploadGeneration(clientGeneration(request.headers.get(GENERATION_HEADER), undefined));
    const received = await receiveSingleFile(request, service);
    await service.save(attachmentId, received);
    return jsonResponse({ status: 'success' });
  } finally {
    release();
  }
}

/**
 * Parses the multipart body as it arrives and streams its one file part into staging. Exactly one part, a
 * file named `file`, is accepted; anything else is 400 and the staged file is removed.
 */
async function receiveSingleFile(request: Request, service: AttachmentService): Promise<ReceivedUpload> {
  const bodyLimit = getConfig().attachments.maxUploadBytes + MULTIPART_OVERHEAD_BYTES;
  if (Number(request.headers.get('content-length') ?? 0) > bodyLimit) throw uploadTooLarge();
  if (!request.body) throw multipartInvalid();
  let parser: busboy.Busboy;
  try {
    // parts: 2 so that a second part is still looked at (and reported below), and nothing after it.
    parser = busboy({
      headers: { 'content-type': request.headers.get('content-type') ?? '' },
      limits: { files: 1, fields: 0, parts: 2 },
    });
  } catch {
    throw multipartInvalid();
  }

  const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
  let extraPart = false;
  let receiving: Promise<Settled<ReceivedUpload>> | undefined;
  parser.on('file', (name, stream, info) => {
    if (name !== 'file') {
      extraPart = true;
      stream.resume();
      return;
    }
    // The parser may fail the part (body cut short) before staging starts reading it; the pipeline below reports it.
    stream.on('error', () => undefined);
    receiving = settle(service.receive(stream, info.mimeType));
    // A failed receive stops reading the request (it would otherwise wait for a reader forever).
    void receiving.then((result) => !result.ok && body.destroy(result.error as Error));
  });
  parser.on('filesLimit', () => (extraPart = true));
  parser.on('fieldsLimit', () => (extraPart = true));

  const parsed = await settle(pipeline(body, limitBytes(bodyLimit), parser));
  const received = await receiving;
  // Which failure the client hears: the file's own (413), the body's (413, malformed), then anything else.
  if (received && !received.ok && received.error instanceof AppError) throw received.error;
  if (!parsed.ok) {
    if (received?.ok) await received.value.file.discard();
    throw parsed.error instanceof AppError ? parsed.error : multipartInvalid();
  }
  if (received && !received.ok) throw received.error;
  if (!received || extraPart) {
    await received?.value.file.discard();
    throw notExactlyOneFile();
  }
  return received.value;
}

function limitBytes(limit: number) {
  return async function* (chunks: AsyncIterable<Uint8Array>) {
    let total = 0;
    for await (const chunk of chunks) {
      total += chunk.byteLength;
      if (total > limit) throw uploadTooLarge();
      yield chunk;
    }
  };
}

/** `?original=` as upstream: 1/true/yes in any case, or anything Go's ParseBool reads as true. */
function prefersOriginal(request: Request): boolean {
  const raw = new URL(request.url).searchParams.get('original')?.trim() ?? '';
  return ['1', 'true', 'yes'].includes(raw.toLowerCase()) || parseGoBool(raw) === true;
}

function downloadHeaders(id: string, file: StoredFileInfo): Headers {
  return new Headers({
    'Content-Type': 'application/octet-stream',
    'Content-Disposition': `attachment; filename="${path.posix.basename(id)}"`,
    'Content-Length': String(file.size),
  });
}

/** Invalid ids answer 404 like unknown ones: no file can exist under them (upstream answered 500). */
async function download(request: Request, rawId: string): Promise<Response> {
  const id = attachmentIdFromPath(rawId);
  const file = id && (await new AttachmentService().openForDownload(id, prefersOriginal(request)));
  if (!id || !file) return jsonResponse(notFoundBody, { status: 404 });
  file.stream.on('error', (err) =>
    logger.error('attachment download failed while streaming', { id, error: err.message }),
  );
  return new Response(toWebStream(file.stream), { status: 200, headers: downloadHeaders(id, file) });
}

async function check(request: Request, rawId: string): Promise<Response> {
  const id = attachmentIdFromPath(rawId);
  const file = id && (await new AttachmentService().statForDownload(id, prefersOriginal(request)));
  if (!id || !file) return new Response(null, { status: 404 });
  return new Response(null, { status: 200, headers: downloadHeaders(id, file) });
}

/** Attachments are photos and documents that are compressed already: stored, not deflated again. */
function exportZip(): Promise<Response> {
  return zipResponse(asZipEntries(attachmentExportEntries()), { filename: 'attachments_export.zip' });
}

async function* asZipEntries(entries: AsyncGenerator<ExportEntry>): AsyncGenerator<ZipEntry> {
  for await (const { name, file } of entries) yield { name, content: file.stream, date: file.modified };
}

export const attachmentsRoutes: BinaryRoute[] = [
  {
    method: 'GET',
    path: '/attachments/export-zip',
    role: 'read-only',
    handle: async (_request, ctx) => {
      await record({ ...requestOrigin(ctx), action: 'export.attachments_zip' });
      return exportZip();
    },
    openapi: getAttachmentsExportZip,
  },
  {
    method: 'PUT',
    path: '/attachments/{attachment_id}',
    role: 'read-write',
    handle: (request, ctx) => upload(request, ctx.params.attachment_id, ctx.user.username),
    openapi: uploadAttachment,
  },
  {
    method: 'GET',
    path: '/attachments/{attachment_id}',
    role: 'read-only',
    handle: (request, ctx) => download(request, ctx.params.attachment_id),
    openapi: downloadAttachment,
  },
  {
    method: 'HEAD',
    path: '/attachments/{attachment_id}',
    role: 'read-only',
    handle: (request, ctx) => check(request, ctx.params.attachment_id),
    openapi: checkAttachmentExists,
  },
];
