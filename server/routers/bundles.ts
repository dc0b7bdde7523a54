import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { BundleService } from '@/server/services/bundles/service';
import { zPathParam } from '@/server/routers/schemas';
import * as wire from '@/server/wire/bundles';
import { requestOrigin } from '@/server/services/audit';

/**
 * The JSON app-bundle endpoints (api-contract §5) and the console's bundle procedures. The streaming ones
 * (push, manifest, files, zip) are binary routes in server/http/binary/bundles.ts over the same service.
 */

const switchMessage = (version: string) => ({ message: `Switched to app bundle version ${version.trim()}` });

export const bundlesRouter = router({
  versions: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/app-bundle/versions', operationId: wire.getAppBundleVersions.operationId },
    })
    .input(z.object({}))
    .output(wire.AppBundleVersions)
    .query(async () => ({ versions: await new BundleService().versions() })),

  changes: authedProcedure
    .meta({
      openapi: { method: 'GET', path: '/app-bundle/changes', operationId: wire.getAppBundleChanges.operationId },
    })
    .input(wire.AppBundleChangesQuery)
    .output(wire.ChangeLog)
    .query(({ input }) =>
      new BundleService().changes({
        current: input.current?.trim(),
        target: input.target?.trim(),
        preview: input.preview === 'true',
      }),
    ),

  switch: adminProcedure
    .meta({
      openapi: {
        method: 'POST',
        path: '/app-bundle/switch/{version}',
        operationId: wire.switchAppBundleVersion.operationId,
      },
    })
    .input(z.object({ version: zPathParam }))
    .output(wire.SwitchAppBundleVersion200Response)
    .mutation(async ({ input, ctx }) => {
      await new BundleService().switchTo(input.version, requestOrigin(ctx));
      return switchMessage(input.version);
    }),

  /** Console: the versions with their state. */
  list: authedProcedure.output(z.array(wire.AppBundleVersionSummary)).query(() => new BundleService().list()),

  /** Console: the same manifest as GET /app-bundle/manifest; null when no version is active. */
  activeManifest: authedProcedure
    .output(wire.AppBundleManifest.nullable())
    .query(() => new BundleService().activeManifest()),

  /** Console: the change log from version `a` to version `b`. */
  compare: authedProcedure
    .input(z.object({ a: z.string().trim().min(1), b: z.string().trim().min(1) }))
    .output(wire.ChangeLog)
    .query(({ input }) => new BundleService().compare(input.a, input.b)),

  /** Console: activate a version. */
  activate: adminProcedure
    .input(z.object({ version: z.string() }))
    .output(wire.SwitchAppBundleVersion200Response)
    .mutation(async ({ input, ctx }) => {
      await new BundleService().switchTo(input.version, requestOrigin(ctx));
      return switchMessage(input.version);
    }),
});
