import { z } from 'zod';
import { dateTime, int64, sameInBothDirections } from '@/server/wire/openapi';
import { ErrorResponse, errorJson, gateResponses } from '@/server/wire/errors';
import { zOptionalText } from '@/server/routers/schemas';
import {
  clientIdHeader,
  generationHeaders,
  jsonBody,
  operation,
  requestGenerationHeader,
} from '@/server/wire/operation';

/**
 * Stored as the client sent it (push checks only that it is an object), so the fields are documented with
 * upstream's types but read back without a check: a pull never fails on an odd value a device stored.
 */
const asSent = (jsonSchema: Record<string, unknown>) => z.unknown().meta({ override: jsonSchema });
const optionalAsSent = (jsonSchema: Record<string, unknown>) => z.unknown().optional().meta({ override: jsonSchema });

const ObservationGeolocation = z
  .looseObject({
    latitude: optionalAsSent({
      type: 'number',
      format: 'double',
      minimum: -90,
      maximum: 90,
      description: 'Latitude in decimal degrees',
    }),
    longitude: optionalAsSent({
      type: 'number',
      format: 'double',
      minimum: -180,
      maximum: 180,
      description: 'Longitude in decimal degrees',
    }),
    accuracy: optionalAsSent({
      type: 'number',
      format: 'double',
      minimum: 0,
      description: 'Horizontal accuracy in meters',
    }),
    altitude: optionalAsSent({
      type: ['number', 'null'],
      format: 'double',
      description: 'Elevation in meters above sea level',
    }),
    altitude_accuracy: optionalAsSent({
      type: ['number', 'null'],
      format: 'double',
      minimum: 0,
      description: 'Vertical accuracy in meters',
    }),
    timestamp: optionalAsSent({
      type: 'string',
      format: 'date-time',
      description: 'When the GPS fix was obtained (ISO 8601)',
    }),
  })
  .meta({ id: 'ObservationGeolocation' });

/**
 * A record as pushed and pulled. `data` is required on the wire (a push without it is refused with 400). No
 * `additionalProperties: false`, so that requests and responses share one component, as upstream's.
 */
export const Observation = z
  .object({
    observation_id: z.string(),
    form_type: z.string(),
    form_version: z.string(),
    data: asSent({ type: 'object', description: 'Arbitrary JSON object containing form data' }),
    created_at: dateTime(),
    updated_at: dateTime(),
    synced_at: dateTime().nullish(),
    deleted: z.boolean(),
    version: z
      .number()
      .int()
      .optional()
      .meta({ description: 'Addition: change counter value of this version of the record (sent by pull)' }),
    geolocation: ObservationGeolocation.nullish().meta({
      description: 'Optional geolocation data for the observation',
    }),
    author: z
      .string()
      .nullish()
      .meta({ description: 'Optional author/creator identifier for the observation (e.g. username)' }),
    device_id: z.string().nullish().meta({ description: 'Optional client device identifier for the observation' }),
    tags: z
      .array(z.string())
      .nullish()
      .meta({ description: 'Optional list of string tags (labeling, extensions, data cleaning)' }),
  })
  .meta({
    id: 'Observation',
    override: ({ jsonSchema }) => {
      jsonSchema.required = [...(jsonSchema.required ?? []), 'data'];
      sameInBothDirections({ jsonSchema });
    },
  });

const SyncPullRequestSince = z
  .object({ version: z.number().int(), id: z.string() })
  .partial()
  .meta({ id: 'SyncPullRequestSince', description: 'Optional pagination cursor indicating the last seen change' });

export const SyncPullRequest = z
  .object({
    client_id: z.string(),
    repository_generation: int64().min(1).optional().meta({
      description:
        'Optional body copy of epoch; header x-repository-generation wins when both are sent. Must match the server or the request returns 409.',
    }),
    since: SyncPullRequestSince.optional(),
    schema_types: z.array(z.string()).optional(),
  })
  .meta({ id: 'SyncPullRequest' });

export const SyncPullResponse = z
  .object({
    current_version: z
      .number()
      .int()
      .meta({ description: 'Current database version number that increments with each update' }),
    repository_generation: int64().meta({
      description: 'Monotonic repository epoch (increments on admin hard reset only)',
    }),
    records: z.array(Observation),
    change_cutoff: z
      .number()
      .int()
      .meta({ description: "Version of the last change included. Use it as the next 'since.version'." }),
    has_more: z.boolean().meta({ description: 'More records are available beyond this response' }),
    sync_format_version: z.string().meta({ example: '1.0' }),
  })
  .meta({ id: 'SyncPullResponse' });

export const SyncPushRequest = z
  .object({
    transmission_id: z.string().meta({ format: 'uuid' }),
    client_id: z.string(),
    repository_generation: int64()
      .min(1)
      .optional()
      .meta({ description: 'Optional body copy of epoch; header x-repository-generation wins when both are sent.' }),
    records: z.array(Observation),
  })
  .meta({ id: 'SyncPushRequest' });

export const SyncPushResponseWarningsInner = z
  .object({ id: z.string(), code: z.string(), message: z.string() })
  .meta({ id: 'SyncPushResponseWarningsInner' });

export const SyncPushResponse = z
  .object({
    current_version: z
      .number()
      .int()
      .meta({ description: 'Current database version number after processing the push' }),
    repository_generation: int64(),
    success_count: z.number().int(),
    failed_records: z.array(z.unknown().meta({ override: { type: 'object' } })).optional(),
    warnings: z.array(SyncPushResponseWarningsInner).optional(),
  })
  .meta({ id: 'SyncPushResponse' });

export const RepositoryResetRequest = z
  .object({
    confirm: z
      .enum(['RESET_REPOSITORY'])
      .meta({ description: 'Must be exactly RESET_REPOSITORY to authorize destructive reset' }),
  })
  .meta({ id: 'RepositoryResetRequest' });

export const RepositoryResetResponse = z
  .object({
    repository_generation: int64().meta({ description: 'New repository epoch after reset' }),
    message: z.string(),
  })
  .meta({ id: 'RepositoryResetResponse' });

/**
 * What the procedures parse: lenient, so that missing or null fields reach the service, which names them in the
 * contract's 400 (the documented requests above are stricter).
 */
export const SyncPullInput = z.object({
  client_id: zOptionalText,
  since: z.object({ version: z.number().int(), id: z.string().optional() }).nullish(),
  schema_types: z.array(z.string()).nullish(),
  repository_generation: z.unknown().optional(),
});

export const SyncPushInput = z.object({
  transmission_id: zOptionalText,
  client_id: zOptionalText,
  /** Checked record by record by the service, so that a bad record is named in the 400. */
  records: z.array(z.unknown()).nullish(),
  repository_generation: z.unknown().optional(),
});

export const RepositoryResetInput = z.object({ confirm: zOptionalText });

/** The console's view of the repository (no REST path). */
export const RepositoryStatus = z.object({
  repositoryGeneration: z.number(),
  currentVersion: z.number(),
  lastResetAt: z.string().nullable(),
  lastResetBy: z.string().nullable(),
});

export const SyncPullQuery = z.object({
  schemaType: z.string().optional().meta({ description: 'Filter by schemaType (added to schema_types)' }),
  limit: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .optional()
    .meta({ description: 'Maximum number of records to return (default 100, at most 1000)' }),
});

/**
 * A pull answer as REST sends it, with its records as JSON text already in the wire format (a JSON array of
 * Observation). The fields in SyncPullResponse's order.
 */
export function syncPullJson(answer: Omit<SyncPullResponse, 'records'>, recordsJson: string): string {
  return (
    `{"current_version":${answer.current_version},"repository_generation":${answer.repository_generation},` +
    `"records":${recordsJson},"change_cutoff":${answer.change_cutoff},"has_more":${answer.has_more},` +
    `"sync_format_version":${JSON.stringify(answer.sync_format_version)}}`
  );
}

export type WireRecord = z.infer<typeof Observation>;
export type SyncPullInput = z.infer<typeof SyncPullInput>;
export type SyncPullQuery = z.infer<typeof SyncPullQuery>;
export type SyncPullResponse = z.infer<typeof SyncPullResponse>;
export type SyncPushInput = z.infer<typeof SyncPushInput>;
export type SyncPushResponse = z.infer<typeof SyncPushResponse>;
export type SyncWarning = z.infer<typeof SyncPushResponseWarningsInner>;
export type RepositoryResetResponse = z.infer<typeof RepositoryResetResponse>;
export type RepositoryStatus = z.infer<typeof RepositoryStatus>;

const syncHeaders = z.object({ 'x-ode-client-id': clientIdHeader, 'x-repository-generation': requestGenerationHeader });

const resetRequired = {
  description: 'Repository epoch mismatch (after an admin reset): `code` is `repository_reset_required`',
  headers: generationHeaders,
  content: { 'application/json': { schema: ErrorResponse } },
};

export const syncPull = operation({
  operationId: 'syncPull',
  summary: 'Pull updated records since last sync',
  description:
    'Pages with `has_more`: send `change_cutoff` as the next `since.version` until `has_more` is false. ' +
    'Every answer, errors included, carries `x-repository-generation`.',
  headers: syncHeaders,
  query: SyncPullQuery,
  requestBody: jsonBody(SyncPullRequest),
  generationOnEveryResponse: true,
  responses: {
    200: { description: 'Sync data', content: { 'application/json': { schema: SyncPullResponse } } },
    400: errorJson('Malformed JSON, missing client_id, or a bad since/limit'),
    409: resetRequired,
  },
});

export const syncPush = operation({
  operationId: 'syncPush',
  summary: 'Push new or updated records (all or nothing, idempotent per transmission_id)',
  description: 'Every answer, errors included, carries `x-repository-generation`.',
  headers: syncHeaders,
  requestBody: jsonBody(SyncPushRequest),
  generationOnEveryResponse: true,
  responses: {
    200: { description: 'Sync result', content: { 'application/json': { schema: SyncPushResponse } } },
    400: errorJson('Malformed JSON, missing fields, or a record that cannot be stored (named in the message)'),
    403: gateResponses.forbidden,
    409: resetRequired,
    413: errorJson('Body over SYNKRONUS_MAX_JSON_BODY_BYTES'),
  },
});

export const adminRepositoryReset = operation({
  operationId: 'adminRepositoryReset',
  summary: 'Irreversibly wipe observations and attachments (admin only)',
  requestBody: jsonBody(RepositoryResetRequest),
  responses: {
    200: {
      description: 'Reset completed',
      headers: generationHeaders,
      content: { 'application/json': { schema: RepositoryResetResponse } },
    },
    400: errorJson('Invalid confirmation body'),
    403: gateResponses.forbidden,
  },
});
