import { z } from 'zod';
import { authedProcedure, publicProcedure, router } from '@/server/trpc';
import { SystemService } from '@/server/services/system';
import { APIVersionsResponse, getAPIVersions, getVersion, SystemVersionInfo } from '@/server/wire/system';

export const systemRouter = router({
  version: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/version', operationId: getVersion.operationId } })
    .input(z.object({}))
    .output(SystemVersionInfo)
    .query(() => new SystemService().versionInfo()),

  versions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/versions', operationId: getAPIVersions.operationId } })
    .input(z.object({}))
    .output(APIVersionsResponse)
    .query(() => new SystemService().apiVersions()),

  /** Console only: the same check as GET /health. */
  health: publicProcedure.query(() => new SystemService().health()),
});
