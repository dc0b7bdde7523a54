import { z } from 'zod';
import { int64 } from '@/server/wire/openapi';
import { ErrorResponse, errorJson, gateResponses } from '@/server/wire/errors';
import { generationHeaders, jsonBody, operation, requestGenerationHeader } from '@/server/wire/operation';

/**
 * What the manifest procedure parses: Go decodes JSON null into the zero value, and so does this; the service
 * answers missing fields with 400. AttachmentManifestRequest is the documented (stricter) body.
 */
export const AttachmentManifestInput = z.object({
  client_id: z.string().nullish(),
  since_version: z.number().int().nullish(),
  repository_generation: z.number().int().nullish(),
});

export const AttachmentManifestRequest = z
  .object({
    client_id: z
      .string()
      .meta({ description: 'Unique identifier for the client requesting the manifest', example: 'mobile-app-123' }),
    since_version: z
      .number()
      .int()
      .min(0)
      .meta({ description: 'Data version from which to get attachment changes (0 for all)', example: 42 }),
    repository_generation: int64()
      .min(1)
      .optional()
      .meta({ description: 'Optional body copy of epoch; header wins when both are sent.' }),
  })
  .meta({ id: 'AttachmentManifestRequest' });

export const AttachmentOperation = z
  .object({
    operation: z.enum(['download', 'delete']).meta({ description: 'Operation to perform on the attachment' }),
    attachment_id: z
      .string()
      .meta({ description: 'Unique identifier for the attachment', example: 'abc123-def4-5678-9012-345678901234.jpg' }),
    download_url: z
      .string()
      .optional()
      .meta({ format: 'uri', description: 'URL to download the attachment (download operations only)' }),
    size: z.number().int().optional().meta({ description: 'Size in bytes (download operations only)' }),
    content_type: z
      .string()
      .optional()
      .meta({ description: 'MIME type (download operations only)', example: 'image/jpeg' }),
    version: z.number().int().meta({ description: 'Version when this attachment was created/modified/deleted' }),
  })
  .meta({ id: 'AttachmentOperation' });

const AttachmentManifestResponseOperationCount = z
  .object({ download: z.number().int(), delete: z.number().int() })
  .meta({ id: 'AttachmentManifestResponseOperationCount', description: 'Count of operations by type' });

export const AttachmentManifestResponse = z
  .object({
    current_version: z.number().int().meta({ description: 'Current database version number' }),
    repository_generation: int64().meta({ description: 'Monotonic repository epoch' }),
    operations: z.array(AttachmentOperation),
    total_download_size: z.number().int().meta({ description: 'Total size in bytes of all attachments to download' }),
    operation_count: AttachmentManifestResponseOperationCount,
  })
  .meta({ id: 'AttachmentManifestResponse' });

export type AttachmentOperation = z.infer<typeof AttachmentOperation>;
export type AttachmentManifestResponse = z.infer<typeof AttachmentManifestResponse>;

export const UploadAttachment200Response = z
  .object({ status: z.string().meta({ example: 'success' }) })
  .partial()
  .meta({ id: 'UploadAttachment200Response' });

const attachmentIdPath = z.object({
  attachment_id: z.string().meta({
    description: 'Attachment id (file name), percent-encoded: 1–255 bytes of [A-Za-z0-9._-] segments',
    example: 'abc123.jpg',
  }),
});

const originalQuery = z.object({
  original: z.string().optional().meta({
    description:
      'Prefer the uncompressed original when one was kept: true, 1 or yes (any case), or any Go ParseBool truth.',
    example: 'true',
  }),
});

const binary = (mediaType: string) => ({ [mediaType]: { schema: z.string().meta({ format: 'binary' }) } });

const downloadHeaders = z.object({
  'Content-Disposition': z.string().meta({ description: 'attachment; filename="<id>"' }),
  'Content-Length': z.number().int(),
});

export const getAttachmentManifest = operation({
  operationId: 'getAttachmentManifest',
  summary: 'Get attachment manifest for incremental sync',
  description:
    'Latest operation per attachment since a data version. Every answer, errors included, carries `x-repository-generation`.',
  headers: z.object({ 'x-repository-generation': requestGenerationHeader }),
  requestBody: jsonBody(AttachmentManifestRequest),
  generationOnEveryResponse: true,
  responses: {
    200: {
      description: 'Attachment operations since the version',
      content: { 'application/json': { schema: AttachmentManifestResponse } },
    },
    400: errorJson('Malformed JSON, missing client_id, or a negative since_version'),
    409: {
      description: 'Repository epoch mismatch',
      headers: generationHeaders,
      content: { 'application/json': { schema: ErrorResponse } },
    },
  },
});

export const getAttachmentsExportZip = operation({
  operationId: 'getAttachmentsExportZip',
  tags: ['Attachments'],
  summary: 'Download all attachments as a streamed ZIP',
  responses: {
    200: { description: 'Zip of every current attachment, entries named by id', content: binary('application/zip') },
  },
});

export const uploadAttachment = operation({
  operationId: 'uploadAttachment',
  summary: 'Upload a new attachment with specified ID (immutable: an existing id is 409)',
  description: 'Every answer, errors included, carries `x-repository-generation`.',
  path: attachmentIdPath,
  headers: z.object({ 'x-repository-generation': requestGenerationHeader }),
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: z.object({ file: z.string().meta({ format: 'binary', description: 'The binary file to upload' }) }),
      },
    },
  },
  generationOnEveryResponse: true,
  responses: {
    200: {
      description: 'Stored and recorded for sync',
      content: { 'application/json': { schema: UploadAttachment200Response } },
    },
    400: errorJson('Invalid id, not multipart, or not exactly one file part named file'),
    403: gateResponses.forbidden,
    408: errorJson('The client went away while waiting for an upload slot'),
    409: errorJson('The attachment exists, or repository_reset_required'),
    413: errorJson('Over the upload limit, or the image decodes too large'),
  },
});

export const downloadAttachment = operation({
  operationId: 'downloadAttachment',
  summary: 'Download an attachment by ID',
  path: attachmentIdPath,
  query: originalQuery,
  responses: {
    200: { description: 'The file bytes', headers: downloadHeaders, content: binary('application/octet-stream') },
    404: errorJson('Attachment not found'),
  },
});

export const checkAttachmentExists = operation({
  operationId: 'checkAttachmentExists',
  summary: 'Check if an attachment exists',
  path: attachmentIdPath,
  query: originalQuery,
  responses: {
    200: { description: 'It exists (the download headers, no body)', headers: downloadHeaders },
    404: { description: 'It does not (no body)' },
  },
});
