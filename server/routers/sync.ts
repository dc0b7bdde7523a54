import { z } from 'zod';
import { adminProcedure, authedProcedure, readWriteProcedure, router, type Context } from '@/server/trpc';
import { SyncService, type Caller } from '@/server/services/sync/service';
import { clientGeneration, GENERATION_HEADER } from '@/server/services/generation';
import { zOptionalText } from '@/server/routers/schemas';
import * as wire from '@/server/wire/sync';
import { recordSync } from '@/server/http/metrics';
import { record, requestOrigin } from '@/server/services/audit';

/** Lenient parsers: missing or null fields reach the service, which names them in the contract's 400. */
const ZSyncPullInput = z.object({
  client_id: zOptionalText,
  since: z.object({ version: z.number().int(), id: z.string().optional() }).nullish(),
  schema_types: z.array(z.string()).nullish(),
  repository_generation: z.unknown().optional(),
});

const ZSyncPushInput = z.object({
  transmission_id: zOptionalText,
  client_id: zOptionalText,
  /** Checked record by record by the service, so that a bad record is named in the 400. */
  records: z.array(z.unknown()).nullish(),
  repository_generation: z.unknown().optional(),
});

const ZRepositoryResetInput = z.object({ confirm: zOptionalText });

function caller(ctx: Context & { user: NonNullable<Context['user']> }, bodyGeneration: unknown): Caller {
  return {
    username: ctx.user.username,
    odeVersion: ctx.request.odeVersion,
    generation: clientGeneration(ctx.request.headers.get(GENERATION_HEADER), bodyGeneration),
  };
}

function echoGeneration(ctx: Context, generation: number): void {
  ctx.response.headers[GENERATION_HEADER] = String(generation);
}

export const syncRouter = router({
  pull: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/sync/pull', operationId: wire.syncPull.operationId } })
    .input(ZSyncPullInput)
    .output(wire.SyncPullResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new SyncService().pull(
        {
          client_id: input.client_id,
          since: input.since ?? undefined,
          schema_types: input.schema_types ?? undefined,
          limit: ctx.request.query.get('limit') ?? undefined,
          schemaType: ctx.request.query.get('schemaType') ?? undefined,
        },
        caller(ctx, input.repository_generation),
      );
      echoGeneration(ctx, response.repository_generation);
      recordSync('pull', response.records.length);
      return response;
    }),

  push: readWriteProcedure
    .meta({ openapi: { method: 'POST', path: '/sync/push', operationId: wire.syncPush.operationId } })
    .input(ZSyncPushInput)
    .output(wire.SyncPushResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new SyncService().push(
        { transmission_id: input.transmission_id, client_id: input.client_id, records: input.records },
        caller(ctx, input.repository_generation),
      );
      echoGeneration(ctx, response.repository_generation);
      recordSync('push', response.success_count);
      return response;
    }),

  resetRepository: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/admin/repository/reset', operationId: wire.adminRepositoryReset.operationId },
    })
    .input(ZRepositoryResetInput)
    .output(wire.RepositoryResetResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new SyncService().resetRepository(input.confirm, ctx.user.username);
      await record({
        ...requestOrigin(ctx),
        action: 'repository.reset',
        details: { repository_generation: response.repository_generation },
      });
      echoGeneration(ctx, response.repository_generation);
      return response;
    }),

  // Console procedures (no REST path).

  repositoryStatus: authedProcedure
    .output(
      z.object({
        repositoryGeneration: z.number(),
        currentVersion: z.number(),
        lastResetAt: z.string().nullable(),
        lastResetBy: z.string().nullable(),
      }),
    )
    .query(() => new SyncService().repositoryStatus()),

  getObservation: authedProcedure
    .input(z.object({ observationId: z.string().min(1).max(255) }))
    .output(wire.Observation)
    .query(({ input }) => new SyncService().getObservation(input.observationId)),

  formTypes: authedProcedure.query(() => new SyncService().formTypes()),
});
