import { z } from 'zod';
import { dateTime, sameInBothDirections } from '@/server/wire/openapi';
import { errorJson, gateResponses } from '@/server/wire/errors';
import { clientIdHeader, operation } from '@/server/wire/operation';

export const AppBundleFile = z
  .object({ path: z.string(), size: z.number().int(), hash: z.string(), mimeType: z.string(), modTime: dateTime() })
  .meta({ id: 'AppBundleFile' });

export const AppBundleManifest = z
  .object({ files: z.array(AppBundleFile), version: z.string(), generatedAt: dateTime(), hash: z.string() })
  .meta({ id: 'AppBundleManifest' });

export type AppBundleFile = z.infer<typeof AppBundleFile>;
export type AppBundleManifest = z.infer<typeof AppBundleManifest>;

export const AppBundleVersions = z
  .object({ versions: z.array(z.string()).meta({ description: 'Newest first; the active one ends in " *"' }) })
  .meta({ id: 'AppBundleVersions' });

export const AppBundlePushResponse = z
  .object({ message: z.string(), manifest: AppBundleManifest })
  .meta({ id: 'AppBundlePushResponse' });

export const SwitchAppBundleVersion200Response = z
  .object({ message: z.string().meta({ example: 'Switched to app bundle version 0003' }) })
  .partial()
  .meta({ id: 'SwitchAppBundleVersion200Response' });

/** Console: one version with its state. */
export const AppBundleVersionSummary = z.object({
  version: z.string(),
  active: z.boolean(),
  createdAt: dateTime().optional(),
  formCount: z.number().int(),
});
export type AppBundleVersionSummary = z.infer<typeof AppBundleVersionSummary>;

/** The query of GET /app-bundle/changes. */
export const AppBundleChangesQuery = z.object({
  current: z.string().optional(),
  /** Ignored upstream; honoured here (the portal and the CLI send it). */
  target: z.string().optional(),
  preview: z.string().optional(),
});

const FormDiff = z.object({ form: z.string() }).partial().meta({ id: 'FormDiff', override: sameInBothDirections });
const FieldChange = z
  .object({ field: z.string(), type: z.string() })
  .partial()
  .meta({ id: 'FieldChange', override: sameInBothDirections });
const FormModification = z
  .object({
    form: z.string(),
    schema_changed: z.boolean(),
    ui_changed: z.boolean(),
    core_changed: z.boolean(),
    added_fields: z.array(FieldChange),
    removed_fields: z.array(FieldChange),
  })
  .partial()
  .meta({ id: 'FormModification', override: sameInBothDirections });

/** Addition: one file that differs between the two versions. */
const AppBundleFileChange = z
  .object({ path: z.string(), size: z.number().int(), hash: z.string(), previous_hash: z.string().optional() })
  .meta({ id: 'AppBundleFileChange' });

const formChanges = {
  compare_version_a: z.string(),
  compare_version_b: z.string(),
  form_changes: z.boolean(),
  ui_changes: z.boolean(),
  new_forms: z.array(FormDiff).optional(),
  removed_forms: z.array(FormDiff).optional(),
  modified_forms: z.array(FormModification).optional(),
};

export const ChangeLog = z
  .object({
    ...formChanges,
    added: z.array(AppBundleFileChange).meta({ description: 'Addition: files only in the second version' }),
    removed: z.array(AppBundleFileChange).meta({ description: 'Addition: files only in the first version' }),
    modified: z.array(AppBundleFileChange).meta({ description: 'Addition: files whose content differs' }),
    current_version: z.string().meta({ description: 'Addition: same as compare_version_a' }),
    target_version: z.string().meta({ description: 'Addition: same as compare_version_b' }),
  })
  .meta({ id: 'ChangeLog' });

export type ChangeLog = z.infer<typeof ChangeLog>;

/** Declared by upstream (unused there too); kept so that generated clients keep the model. */
export const AppBundleChangeLog = z.object(formChanges).meta({ id: 'AppBundleChangeLog', unusedIO: 'output' });

const adminOnly = { 403: gateResponses.forbidden };
const notModified = { description: 'Not Modified: If-None-Match matched the ETag (no body)' };
const etagHeader = z.object({ ETag: z.string().meta({ description: 'The quoted hash' }) });
const ifNoneMatch = z.string().optional().meta({ description: 'Addition: a previous ETag; 304 when it still matches' });

export const getAppBundleChanges = operation({
  operationId: 'getAppBundleChanges',
  summary: 'Get changes between two app bundle versions',
  description:
    '`current` defaults to the oldest version; `target` (honoured here) or `preview=true` (the newest) picks the other side, ' +
    'else the next newer version, or an empty log when there is none.',
  responses: {
    200: { description: 'The changes', content: { 'application/json': { schema: ChangeLog } } },
    404: errorJson('No versions, or an unknown current or target version'),
  },
});

export const getAppBundleManifest = operation({
  operationId: 'getAppBundleManifest',
  summary: 'Get the current app bundle manifest',
  headers: z.object({ 'x-ode-client-id': clientIdHeader, 'If-None-Match': ifNoneMatch }),
  responses: {
    200: {
      description: 'Bundle file list',
      headers: etagHeader,
      content: { 'application/json': { schema: AppBundleManifest } },
    },
    304: notModified,
    404: errorJson('No version is active'),
  },
});

export const downloadAppBundleFile = operation({
  operationId: 'downloadAppBundleFile',
  summary: 'Download one file of the active app bundle (or, with preview=true, of the newest version)',
  path: z.object({ path: z.string().meta({ description: 'File path; slashes raw or as %2F' }) }),
  query: z.object({
    preview: z
      .boolean()
      .default(false)
      .meta({ description: 'If true, the file of the newest version, with x-is-preview: true' }),
  }),
  headers: z.object({ 'if-none-match': z.string().optional() }),
  responses: {
    200: {
      description: 'The file, with its own media type',
      headers: etagHeader,
      content: {
        'application/octet-stream': { schema: z.string().meta({ format: 'binary' }) },
        '*/*': { schema: z.string().meta({ format: 'binary' }) },
      },
    },
    304: notModified,
    400: errorJson('Empty, undecodable or escaping path'),
    404: errorJson('File not found'),
  },
});

export const downloadAppBundleZip = operation({
  operationId: 'downloadAppBundleZip',
  summary: 'Download the active app bundle as a single ZIP, with byte ranges',
  headers: z.object({
    Range: z.string().optional().meta({ description: 'Addition: one `bytes=` range' }),
    'If-Range': z.string().optional().meta({ description: 'Addition: the ETag or Last-Modified the range applies to' }),
  }),
  responses: {
    200: {
      description: 'ZIP archive of the app bundle',
      content: { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } },
    },
    206: {
      description: 'The requested byte range',
      content: { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } },
    },
    404: errorJson('Bundle zip not available'),
    416: errorJson('Range not satisfiable'),
  },
});

export const getAppBundleVersions = operation({
  operationId: 'getAppBundleVersions',
  summary: 'Get a list of available app bundle versions',
  responses: {
    200: { description: 'Versions, newest first', content: { 'application/json': { schema: AppBundleVersions } } },
  },
});

export const pushAppBundle = operation({
  operationId: 'pushAppBundle',
  summary: 'Upload a new app bundle (admin only; not activated)',
  requestBody: {
    required: true,
    content: {
      'multipart/form-data': {
        schema: z
          .object({
            bundle: z.string().meta({ format: 'binary', description: 'ZIP file containing the new app bundle' }),
          })
          .partial(),
      },
    },
  },
  responses: {
    200: {
      description: 'Pushed; `manifest.version` names the new version',
      content: { 'application/json': { schema: AppBundlePushResponse } },
    },
    400: errorJson("Not multipart, no 'bundle' part, or the bundle failed validation (the reason is in `message`)"),
    ...adminOnly,
    413: errorJson('Bundle over SYNKRONUS_MAX_BUNDLE_BYTES or the zip limits'),
  },
});

export const switchAppBundleVersion = operation({
  operationId: 'switchAppBundleVersion',
  summary: 'Switch to a specific app bundle version (admin only)',
  responses: {
    200: { description: 'Switched', content: { 'application/json': { schema: SwitchAppBundleVersion200Response } } },
    400: errorJson('Missing version'),
    ...adminOnly,
    404: errorJson('Version not found'),
  },
});
