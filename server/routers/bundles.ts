import { z } from 'zod';
import { adminProcedure, authedProcedure, router } from '@/server/trpc';
import { BundleService } from '@/server/services/bundles/service';
import { iso, zMessage, zPathParam } from '@/server/routers/schemas';
import { record, requestOrigin } from '@/server/services/audit';

/**
 * The JSON app-bundle endpoints (api-contract §5) and the console's bundle procedures. The streaming ones
 * (push, manifest, files, zip) are binary routes in server/http/binary/bundles.ts over the same service.
 */

export const ZBundleFile = z.object({
  path: z.string(),
  size: z.number().int(),
  hash: z.string(),
  mimeType: z.string(),
  modTime: z.string(),
});

export const ZBundleManifest = z.object({
  files: z.array(ZBundleFile),
  version: z.string(),
  generatedAt: z.string(),
  hash: z.string(),
});

export const ZVersionsResponse = z.object({ versions: z.array(z.string()) });

const ZFieldChange = z.object({ field: z.string(), type: z.string() });
const ZFileChange = z.object({ path: z.string(), size: z.number().int(), hash: z.string(), previous_hash: z.string().optional() });

export const ZChangeLog = z.object({
  compare_version_a: z.string(),
  compare_version_b: z.string(),
  form_changes: z.boolean(),
  ui_changes: z.boolean(),
  new_forms: z.array(z.object({ form: z.string() })).optional(),
  removed_forms: z.array(z.object({ form: z.string() })).optional(),
  modified_forms: z
    .array(
      z.object({
        form: z.string(),
        schema_changed: z.boolean(),
        ui_changed: z.boolean(),
        core_changed: z.boolean(),
        added_fields: z.array(ZFieldChange).optional(),
        removed_fields: z.array(ZFieldChange).optional(),
      }),
    )
    .optional(),
  added: z.array(ZFileChange),
  removed: z.array(ZFileChange),
  modified: z.array(ZFileChange),
  current_version: z.string(),
  target_version: z.string(),
});

export const ZChangesRequest = z.object({
  current: z.string().optional(),
  /** Ignored upstream; honoured here (the portal and the CLI send it). */
  target: z.string().optional(),
  preview: z.string().optional(),
});

export const ZVersionSummary = z.object({
  version: z.string(),
  active: z.boolean(),
  createdAt: z.string().optional(),
  formCount: z.number().int(),
});

const switchMessage = (version: string) => ({ message: `Switched to app bundle version ${version.trim()}` });

export const bundlesRouter = router({
  versions: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/app-bundle/versions', tags: ['app-bundle'], summary: 'App bundle versions, newest first; the active one ends in " *"' } })
    .input(z.object({}))
    .output(ZVersionsResponse)
    .query(async () => ({ versions: await new BundleService().versions() })),

  changes: authedProcedure
    .meta({ openapi: { method: 'GET', path: '/app-bundle/changes', tags: ['app-bundle'], summary: 'Changes between two app bundle versions' } })
    .input(ZChangesRequest)
    .output(ZChangeLog)
    .query(({ input }) =>
      new BundleService().changes({ current: input.current?.trim(), target: input.target?.trim(), preview: input.preview === 'true' }),
    ),

  switch: adminProcedure
    .meta({ openapi: { method: 'POST', path: '/app-bundle/switch/{version}', tags: ['app-bundle'], summary: 'Activate an app bundle version' } })
    .input(z.object({ version: zPathParam }))
    .output(zMessage)
    .mutation(async ({ input, ctx }) => {
      await new BundleService().switchTo(input.version);
      await record({ ...requestOrigin(ctx), action: 'bundle.switch', target: input.version.trim() });
      return switchMessage(input.version);
    }),

  /** Console: the versions with their state. */
  list: authedProcedure.output(z.array(ZVersionSummary)).query(async () =>
    (await new BundleService().list()).map((summary) => ({ ...summary, createdAt: summary.createdAt && iso(summary.createdAt) })),
  ),

  /** Console: the same manifest as GET /app-bundle/manifest; null when no version is active. */
  activeManifest: authedProcedure.output(ZBundleManifest.nullable()).query(() => new BundleService().activeManifest()),

  /** Console: the change log from version `a` to version `b`. */
  compare: authedProcedure
    .input(z.object({ a: z.string().trim().min(1), b: z.string().trim().min(1) }))
    .output(ZChangeLog)
    .query(({ input }) => new BundleService().compare(input.a, input.b)),

  /** Console: activate a version. */
  activate: adminProcedure
    .input(z.object({ version: z.string() }))
    .output(zMessage)
    .mutation(async ({ input, ctx }) => {
      await new BundleService().switchTo(input.version);
      await record({ ...requestOrigin(ctx), action: 'bundle.switch', target: input.version.trim() });
      return switchMessage(input.version);
    }),
});
