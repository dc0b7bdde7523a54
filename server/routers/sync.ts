import { z } from 'zod';
import { adminProcedure, authedProcedure, readWriteProcedure, router, type Context } from '@/server/trpc';
import { SyncService, type Caller } from '@/server/services/sync/service';
import { clientGeneration, GENERATION_HEADER } from '@/server/services/generation';
import { zOptionalText } from '@/server/routers/schemas';
import { record, requestOrigin } from '@/server/services/audit';

const zWireRecord = z.object({
  observation_id: z.string(),
  form_type: z.string(),
  form_version: z.string(),
  data: z.unknown(),
  created_at: z.string(),
  updated_at: z.string(),
  synced_at: z.string().optional(),
  deleted: z.boolean(),
  version: z.number().int(),
  geolocation: z.record(z.string(), z.unknown()).optional(),
  author: z.string().optional(),
  device_id: z.string().optional(),
  tags: z.array(z.string()).optional(),
});

export const ZSyncPullRequest = z.object({
  client_id: zOptionalText,
  since: z.object({ version: z.number().int(), id: z.string().optional() }).nullish(),
  schema_types: z.array(z.string()).nullish(),
  repository_generation: z.unknown().optional(),
});

export const ZSyncPullResponse = z.object({
  current_version: z.number().int(),
  repository_generation: z.number().int(),
  records: z.array(zWireRecord),
  change_cutoff: z.number().int(),
  has_more: z.boolean(),
  sync_format_version: z.string(),
});

export const ZSyncPushRequest = z.object({
  transmission_id: zOptionalText,
  client_id: zOptionalText,
  /** Checked record by record by the service, so that a bad record is named in the 400. */
  records: z.array(z.unknown()).nullish(),
  repository_generation: z.unknown().optional(),
});

export const ZSyncPushResponse = z.object({
  current_version: z.number().int(),
  repository_generation: z.number().int(),
  success_count: z.number().int(),
  failed_records: z.array(z.object({ index: z.number().int(), error: z.string(), record: z.unknown() })).optional(),
  warnings: z.array(z.object({ id: z.string(), code: z.string(), message: z.string() })).optional(),
});

export const ZRepositoryResetRequest = z.object({ confirm: zOptionalText });
export const ZRepositoryResetResponse = z.object({ repository_generation: z.number().int(), message: z.string() });

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
    .meta({
      openapi: {
        method: 'POST',
        path: '/sync/pull',
        tags: ['sync'],
        summary: 'Pull records changed since a version',
        description: 'Query parameters: `limit` (default 100, at most 1000) and `schemaType` (added to `schema_types`).',
      },
    })
    .input(ZSyncPullRequest)
    .output(ZSyncPullResponse)
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
      return response;
    }),

  push: readWriteProcedure
    .meta({ openapi: { method: 'POST', path: '/sync/push', tags: ['sync'], summary: 'Push a batch of records (all or nothing)' } })
    .input(ZSyncPushRequest)
    .output(ZSyncPushResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new SyncService().push(
        { transmission_id: input.transmission_id, client_id: input.client_id, records: input.records },
        caller(ctx, input.repository_generation),
      );
      echoGeneration(ctx, response.repository_generation);
      return response;
    }),

  resetRepository: adminProcedure
    .meta({
      openapi: { method: 'POST', path: '/admin/repository/reset', tags: ['sync'], summary: 'Erase all observations and attachments (new generation)' },
    })
    .input(ZRepositoryResetRequest)
    .output(ZRepositoryResetResponse)
    .mutation(async ({ input, ctx }) => {
      const response = await new SyncService().resetRepository(input.confirm, ctx.user.username);
      await record({ ...requestOrigin(ctx), action: 'repository.reset', details: { repository_generation: response.repository_generation } });
      echoGeneration(ctx, response.repository_generation);
      return response;
    }),

  // Console procedures (no REST path).

  repositoryStatus: authedProcedure
    .output(z.object({ repositoryGeneration: z.number(), currentVersion: z.number(), lastResetAt: z.string().nullable(), lastResetBy: z.string().nullable() }))
    .query(() => new SyncService().repositoryStatus()),

  listObservations: authedProcedure
    .input(
      z.object({
        page: z.number().int().min(1).default(1),
        pageSize: z.number().int().min(1).max(100).default(25),
        formType: z.string().optional(),
        search: z.string().trim().max(255).optional(),
        includeDeleted: z.boolean().default(false),
      }),
    )
    .query(({ input }) => new SyncService().listObservations(input)),

  getObservation: authedProcedure
    .input(z.object({ observationId: z.string().min(1).max(255) }))
    .output(zWireRecord)
    .query(({ input }) => new SyncService().getObservation(input.observationId)),

  formTypes: authedProcedure.query(() => new SyncService().formTypes()),
});
