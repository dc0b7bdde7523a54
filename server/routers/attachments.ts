import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { attachmentManifest } from '@/server/services/attachments/manifest';
import { GENERATION_HEADER } from '@/server/services/generation';

/** Go decodes JSON null into the zero value; so do these fields. */
export const ZAttachmentManifestRequest = z.object({
  client_id: z.string().nullish().describe('Required: the device asking'),
  since_version: z.number().int().nullish().describe('Attachment cursor (current_version of the last manifest), ≥ 0'),
  repository_generation: z.number().int().nullish().describe('Used when the x-repository-generation header is absent'),
});

export const ZAttachmentOperation = z.object({
  operation: z.enum(['download', 'delete']),
  attachment_id: z.string(),
  download_url: z.string().optional(),
  size: z.number().int().optional(),
  content_type: z.string().optional(),
  version: z.number().int(),
});

export const ZAttachmentManifestResponse = z.object({
  current_version: z.number().int(),
  repository_generation: z.number().int(),
  operations: z.array(ZAttachmentOperation),
  total_download_size: z.number().int(),
  operation_count: z.object({ download: z.number().int(), delete: z.number().int() }),
});

export const attachmentsRouter = router({
  manifest: authedProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/attachments/manifest',
        tags: ['attachments'],
        summary: 'Attachment operations since a version (latest per attachment)',
      },
    })
    .input(ZAttachmentManifestRequest)
    .output(ZAttachmentManifestResponse)
    .mutation(async ({ input, ctx }) => {
      const manifest = await attachmentManifest({
        clientId: input.client_id ?? '',
        sinceVersion: input.since_version ?? 0,
        generationHeader: ctx.request.headers.get(GENERATION_HEADER),
        bodyGeneration: input.repository_generation ?? undefined,
      });
      ctx.response.headers[GENERATION_HEADER] = String(manifest.repositoryGeneration);
      return {
        current_version: manifest.currentVersion,
        repository_generation: manifest.repositoryGeneration,
        operations: manifest.operations.map((op) => ({
          operation: op.operation,
          attachment_id: op.attachmentId,
          // Absolute, from the origin the client reached (upstream sent http://localhost:<PORT>/attachments/…).
          download_url:
            op.operation === 'download' ? `${ctx.request.origin}/api/attachments/${encodeURIComponent(op.attachmentId)}` : undefined,
          size: op.size ?? undefined,
          content_type: op.contentType ?? undefined,
          version: op.version,
        })),
        total_download_size: manifest.totalDownloadSize,
        operation_count: manifest.operationCount,
      };
    }),
});
