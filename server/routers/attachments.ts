import { authedProcedure, router } from '@/server/trpc';
import { attachmentManifest } from '@/server/services/attachments/manifest';
import { clientGeneration } from '@/server/http/generation-header';
import { GENERATION_HEADER } from '@/server/wire/headers';
import { AttachmentManifestInput, AttachmentManifestResponse, getAttachmentManifest } from '@/server/wire/attachments';

export const attachmentsRouter = router({
  manifest: authedProcedure
    .meta({
      openapi: { method: 'POST', path: '/attachments/manifest', operationId: getAttachmentManifest.operationId },
    })
    .input(AttachmentManifestInput)
    .output(AttachmentManifestResponse)
    .mutation(async ({ input, ctx }) => {
      const manifest = await attachmentManifest({
        clientId: input.client_id ?? '',
        sinceVersion: input.since_version ?? 0,
        generation: clientGeneration(ctx.request.headers.get(GENERATION_HEADER), input.repository_generation),
        // Absolute, from the origin the client reached (upstream sent http://localhost:<PORT>/attachments/…).
        downloadUrl: (id) => `${ctx.request.origin}/api/attachments/${encodeURIComponent(id)}`,
      });
      ctx.response.headers[GENERATION_HEADER] = String(manifest.repository_generation);
      return manifest;
    }),
});
