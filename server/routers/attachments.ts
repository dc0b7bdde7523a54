import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { attachmentManifest } from '@/server/services/attachments/manifest';
import { clientGeneration } from '@/server/http/generation-header';
import { GENERATION_HEADER } from '@/server/wire/headers';
import { AttachmentManifestResponse, getAttachmentManifest } from '@/server/wire/attachments';

/** Go decodes JSON null into the zero value; so do these fields. The service answers missing ones with 400. */
const ZAttachmentManifestInput = z.object({
  client_id: z.string().nullish(),
  since_version: z.number().int().nullish(),
  repository_generation: z.number().int().nullish(),
});

export const attachmentsRouter = router({
  manifest: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/attachments/manifest', operationId: getAttachmentManifest.operationId },
    })
    .input(ZAttachmentManifestInput)
    .output(AttachmentManifestResponse)
    .mutation(async ({ input, ctx }) => {
      const manifest = await attachmentManifest({
        clientId: input.client_id ?? '',
        sinceVersion: input.since_version ?? 0,
        generation: clientGeneration(ctx.request.headers.get(GENERATION_HEADER), input.repository_generation),
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
            op.operation === 'download'
              ? `${ctx.request.origin}/api/attachments/${encodeURIComponent(op.attachmentId)}`
              : undefined,
          size: op.size ?? undefined,
          content_type: op.contentType ?? undefined,
          version: op.version,
        })),
        total_download_size: manifest.totalDownloadSize,
        operation_count: manifest.operationCount,
      };
    }),
});
