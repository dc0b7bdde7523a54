import { z } from 'zod';
import { adminProcedure, authedProcedure, readWriteProcedure, router, type Context } from '@/server/trpc';
import { SyncService, type Caller } from '@/server/services/sync/sync-service';
import { RepositoryAdminService } from '@/server/services/sync/repository-admin';
import { ObservationLookupService } from '@/server/services/sync/observation-lookup';
import { clientGeneration } from '@/server/http/generation-header';
import { GENERATION_HEADER } from '@/server/wire/headers';
import * as wire from '@/server/wire/sync';
import { recordSync } from '@/server/http/metrics';
import { record, requestOrigin } from '@/server/services/audit';

function caller(ctx: Context & { user: NonNullable<Context['user']> }, bodyGeneration: unknown): Caller {
  return {
    username: ctx.user.username,
    odeVersion: ctx.request.odeVersion,
    generation: clientGeneration(ctx.request.headers.get(GENERATION_HEADER), bodyGeneration),
  };
}

/** A query parameter that must be a positive integer; anything else counts as not sent. */
function positiveInteger(raw: string | null): number | undefined {
  const parsed = raw !== null && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  return Number.isSafeInteger(parsed) && parsed >= 1 ? parsed : undefined;
}

function echoGeneration(ctx: Context, generation: number): void {
  ctx.response.headers[GENERATION_HEADER] = String(generation);
}

export const syncRouter = router({
  /**
   * The page's records are JSON text that PostgreSQL wrote in the wire format; they go out as they are, in the REST
   * body written by wire.syncPullJson, and are never parsed, checked or serialised again here. The value returned
   * is the answer without them (what the output schema checks); the API tests validate every answer on the wire
   * against the OpenAPI document.
   */
  pull: authedProcedure
    .meta({ openapi: { method: 'POST', path: '/sync/pull', operationId: wire.syncPull.operationId } })
    .input(wire.SyncPullInput)
    .output(wire.SyncPullResponse)
    .mutation(async ({ input, ctx }) => {
      const { recordsJson, recordCount, ...answer } = await new SyncService().pull(
        {
          client_id: input.client_id,
          since: input.since,
          schema_types: input.schema_types,
          limit: positiveInteger(ctx.request.query.get('limit')),
          schemaType: ctx.request.query.get('schemaType') ?? undefined,
        },
        caller(ctx, input.repository_generation),
      );
      echoGeneration(ctx, answer.repository_generation);
      recordSync('pull', recordCount);
      ctx.response.body = wire.syncPullJson(answer, recordsJson);
      return { ...answer, records: [] };
    }),

  push: readWriteProcedure
    .meta({ openapi: { method: 'POST', path: '/sync/push', operationId: wire.syncPush.operationId } })
    .input(wire.SyncPushInput)
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
    .input(wire.RepositoryResetInput)
    .output(wire.RepositoryResetResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new RepositoryAdminService().resetRepository(input.confirm, ctx.user.username);
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
    .output(wire.RepositoryStatus)
    .query(() => new RepositoryAdminService().repositoryStatus()),

  getObservation: authedProcedure
    .input(z.object({ observationId: z.string().min(1).max(255) }))
    .output(wire.Observation)
    .query(({ input }) => new ObservationLookupService().getObservation(input.observationId)),

  formTypes: authedProcedure.query(() => new ObservationLookupService().formTypes()),
});
