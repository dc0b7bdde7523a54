import path from 'node:path';
import { getConfig, parseGoBool } from '@/server/config';
import { problem } from '@/server/problems';
import type { BinaryRoute } from '@/server/http/binary-routes';
import { filePart, type FilePartForm } from '@/server/http/multipart';
import { appErrorResponse, jsonResponse } from '@/server/http/responses';
import { toWebStream, zipResponse, type ZipEntry } from '@/server/http/zip-response';
import { logger } from '@/server/logger';
import { attachmentExportEntries, type ExportEntry } from '@/server/services/attachments/export';
import { attachmentIdFromPath } from '@/server/services/attachments/ids';
import { AttachmentService, uploadTooLarge } from '@/server/services/attachments/service';
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

/** The body is one part, a file named `file`; anything else is 400. */
const uploadForm = (): FilePartForm => ({
  field: 'file',
  parts: 'only',
  maxFileBytes: getConfig().attachments.maxUploadBytes,
  errors: {
    tooLarge: uploadTooLarge,
    malformed: () => problem('attachment.multipart_invalid'),
    noFile: () => problem('attachment.one_file_required'),
  },
});

async function upload(request: Request, id: string, client: string): Promise<Response> {
  const attachmentId = attachmentIdFromPath(id);
  if (!attachmentId) throw problem('attachment.id_invalid');
  await new AttachmentService().upload({
    id: attachmentId,
    client,
    generation: clientGeneration(request.headers.get(GENERATION_HEADER), undefined),
    source: filePart(request, uploadForm()),
    signal: request.signal,
  });
  return jsonResponse({ status: 'success' });
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
  if (!id || !file) return appErrorResponse(problem('attachment.not_found'));
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
