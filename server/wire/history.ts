import { z } from 'zod';
import { errorJson, gateResponses } from '@/server/wire/errors';
import { jsonBody, operation } from '@/server/wire/operation';

/** Observation history and restore (additions: upstream has no history). */

export const ObservationVersion = z
  .object({
    version: z.number().int(),
    data: z.unknown(),
    form_type: z.string(),
    form_version: z.string(),
    deleted: z.boolean(),
    geolocation: z.record(z.string(), z.unknown()).nullable(),
    tags: z.array(z.string()),
    written_at: z.string().describe('RFC 3339'),
    username: z.string().nullable().describe('Who wrote this version'),
    client_id: z.string().nullable(),
    transmission_id: z.string().nullable().describe('The push that wrote it, when known'),
  })
  .meta({ id: 'ObservationVersion' });

export const ObservationHistory = z
  .object({
    observation_id: z.string(),
    versions: z.array(ObservationVersion).describe('Newest first, current version included'),
  })
  .meta({ id: 'ObservationHistory' });

export const RestoreRequest = z.object({ version: z.number().int().positive() }).meta({ id: 'RestoreRequest' });

export const RestoreResponse = z
  .object({
    observation_id: z.string(),
    restored_version: z.number().int(),
    version: z.number().int().describe('The new version written'),
  })
  .meta({ id: 'RestoreResponse' });

export const getObservationHistory = operation({
  operationId: 'getObservationHistory',
  tags: ['history'],
  summary: 'Every version of an observation, newest first',
  responses: {
    200: {
      description: 'The versions, the current one first',
      content: { 'application/json': { schema: ObservationHistory } },
    },
    404: errorJson('Unknown observation'),
  },
});

export const restoreObservationVersion = operation({
  operationId: 'restoreObservationVersion',
  tags: ['history'],
  summary: 'Write an earlier version as the newest one (every device pulls it)',
  requestBody: jsonBody(RestoreRequest),
  responses: {
    200: { description: 'Restored as a new version', content: { 'application/json': { schema: RestoreResponse } } },
    403: gateResponses.forbidden,
    404: errorJson('Unknown observation or version'),
  },
});
