import { z } from 'zod';
import { authedProcedure, readWriteProcedure, router } from '@/server/trpc';
import { ConflictService } from '@/server/services/conflicts';
import { record, requestOrigin } from '@/server/services/audit';
import * as wire from '@/server/wire/conflicts';
import { ObservationVersion } from '@/server/wire/history';
import { zPathParam } from '@/server/routers/schemas';

const ZConflictListInput = z.object({
  status: z.enum(['open', 'resolved']).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(32).optional(),
});

const ZResolveInput = z.object({ id: zPathParam, keep: z.enum(['winner', 'loser']) });

export const conflictsRouter = router({
  list: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/conflicts', operationId: wire.listConflicts.operationId } })
    .input(ZConflictListInput)
    .output(wire.ConflictList)
    .query(({ input }) => new ConflictService().list(input)),

  resolve: readWriteProcedure
    .meta({
      openapi: { method: 'POST', path: '/conflicts/{id}/resolve', operationId: wire.resolveConflict.operationId },
    })
    .input(ZResolveInput)
    .output(wire.Conflict)
    .mutation(async ({ input, ctx }) => {
      const resolved = await new ConflictService().resolve(input.id, input.keep, ctx.user.username);
      await record({
        ...requestOrigin(ctx),
        action: 'conflict.resolve',
        target: resolved.observation_id,
        details: { conflict: resolved.id, keep: input.keep, version: resolved.resolution?.version ?? null },
      });
      return resolved;
    }),

  // Console procedures (no REST path).

  openCount: authedProcedure.output(z.number().int()).query(() => new ConflictService().openCount()),

  get: authedProcedure
    .input(z.object({ id: z.string() }))
    .output(
      wire.Conflict.extend({
        winner_version: ObservationVersion.nullable(),
        loser_version: ObservationVersion.nullable(),
      }),
    )
    .query(({ input }) => new ConflictService().get(input.id)),
});
