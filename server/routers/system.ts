import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '@/server/trpc';
import { SystemService } from '@/server/services/system';

export const ZVersionInfo = z.object({
  server: z.object({ version: z.string() }),
  database: z.object({ type: z.string(), version: z.string(), database_name: z.string() }),
  system: z.object({ os: z.string(), architecture: z.string(), cpus: z.number().int() }),
  build: z.object({ commit: z.string(), build_time: z.string(), go_version: z.string() }),
});

export const ZApiVersions = z.object({
  versions: z.array(z.object({ version: z.string(), releaseDate: z.string(), deprecated: z.boolean() })),
  current: z.string(),
});

export const systemRouter = router({
  version: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/version', tags: ['system'], summary: 'Server, database and system versions' } })
    .input(z.object({}))
    .output(ZVersionInfo)
    .query(() => new SystemService().versionInfo()),

  versions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/versions', tags: ['system'], summary: 'API versions' } })
    .input(z.object({}))
    .output(ZApiVersions)
    .query(() => new SystemService().apiVersions()),

  /** Console only: the same check as GET /health. */
  health: publicProcedure.query(() => new SystemService().health()),
});
