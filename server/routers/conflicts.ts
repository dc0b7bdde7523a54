import { z } from 'zod';
import { authedProcedure, readWriteProcedure, router } from '@/server/trpc';
import { ConflictService } from '@/server/services/conflicts';
import { record, requestOrigin } from '@/server/services/audit';
import { ZObservationVersion } from '@/server/routers/history';
import { zPathParam } from '@/server/routers/schemas';

const ZConflictSide = z
  .object({ version: z.number().int(), username: z.string().nullable(), client_id: z.string().nullable() })
  .meta({ id: 'ConflictSide' });

export const ZConflict = z
  .object({
    id: z.string(),
    observation_id: z.string(),
    status: z.enum(['open', 'resolved']),
    detected_at: z.string(),
    winner: ZConflictSide.describe('The version the later push wrote (it stays current on the wire)'),
    loser: ZConflictSide.describe('The version it overwrote without having pulled it'),
    resolution: z
      .object({
        keep: z.enum(['winner', 'loser']),
        resolved_at: z.string(),
        resolved_by: z.string().nullable(),
        version: z.number().int().nullable().describe('The new version written when the loser was kept'),
      })
      .nullable(),
  })
  .meta({ id: 'Conflict' });

export const ZConflictList = z
  .object({ conflicts: z.array(ZConflict), next_cursor: z.string().nullable() })
  .meta({ id: 'ConflictList' });

export const ZConflictListRequest = z.object({
  status: z.enum(['open', 'resolved']).default('open'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(32).optional(),
});

export const ZResolveRequest = z.object({ id: zPathParam, keep: z.enum(['winner', 'loser']) }).meta({ id: 'ResolveConflictRequest' });

export const conflictsRouter = router({
  list: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/conflicts', tags: ['conflicts'], operationId: 'listConflicts', summary: 'Sync conflicts, newest first' },
    })
    .input(ZConflictListRequest)
    .output(ZConflictList)
    .query(({ input }) => new ConflictService().list(input)),

  resolve: readWriteProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/conflicts/{id}/resolve',
        tags: ['conflicts'],
        operationId: 'resolveConflict',
        summary: 'Keep the winner, or write the loser as a new version',
      },
    })
    .input(ZResolveRequest)
    .output(ZConflict)
    .mutation(async ({ input, ctx }) => {
      const resolved = await new ConflictService().resolve(input.id, input.keep, ctx.user.username);
      await record({ ...requestOrigin(ctx), action: 'conflict.resolve', target: resolved.observation_id, details: { conflict: resolved.id, keep: input.keep, version: resolved.resolution?.version ?? null } });
      return resolved;
    }),

  // Console procedures (no REST path).

  openCount: authedProcedure.output(z.number().int()).query(() => new ConflictService().openCount()),

  get: authedProcedure
    .input(z.object({ id: z.string() }))
    .output(ZConflict.extend({ winner_version: ZObservationVersion.nullable(), loser_version: ZObservationVersion.nullable() }))
    .query(({ input }) => new ConflictService().get(input.id)),
});
