import { z } from 'zod';
import { dateTime } from '@/server/wire/openapi';
import { errorJson } from '@/server/wire/errors';
import { operation } from '@/server/wire/operation';

export const GetHealth200Response = z
  .object({
    status: z.enum(['ok']),
    timestamp: dateTime().meta({ description: 'Current server time' }),
    version: z.string().meta({ description: 'Current API version' }),
  })
  .partial()
  .meta({ id: 'GetHealth200Response' });

export const GetHealth503Response = z
  .object({
    status: z.enum(['error']),
    error: z.string().meta({ description: 'Description of the error' }),
    timestamp: dateTime().meta({ description: 'Current server time' }),
  })
  .partial()
  .meta({ id: 'GetHealth503Response' });

/** Upstream requires none of these fields; this server always sends every one (clients print them). */
const ServerInfo = z.object({ version: z.string() }).meta({ id: 'ServerInfo' });
const DatabaseInfo = z
  .object({ type: z.string(), version: z.string(), database_name: z.string() })
  .meta({ id: 'DatabaseInfo' });
const SystemInfo = z
  .object({ os: z.string(), architecture: z.string(), cpus: z.number().int() })
  .meta({ id: 'SystemInfo' });
const BuildInfo = z
  .object({ commit: z.string(), build_time: z.string(), go_version: z.string() })
  .meta({ id: 'BuildInfo' });

export const SystemVersionInfo = z
  .object({ server: ServerInfo, database: DatabaseInfo, system: SystemInfo, build: BuildInfo })
  .meta({ id: 'SystemVersionInfo' });

const APIVersionInfo = z
  .object({ version: z.string(), releaseDate: z.string().meta({ format: 'date' }), deprecated: z.boolean() })
  .meta({ id: 'APIVersionInfo' });

export const APIVersionsResponse = z
  .object({
    versions: z.array(APIVersionInfo),
    current: z.string().meta({ description: 'Identifier of the current API contract version' }),
  })
  .meta({ id: 'APIVersionsResponse' });

export const getHealth = operation({
  operationId: 'getHealth',
  tags: ['Health'],
  summary: 'Health check endpoint',
  description: 'Public: no x-ode-version and no token. 503 when the database does not answer.',
  public: true,
  responses: {
    200: { description: 'Service is healthy', content: { 'application/json': { schema: GetHealth200Response } } },
    503: { description: 'Service is unhealthy', content: { 'application/json': { schema: GetHealth503Response } } },
  },
});

export const getVersion = operation({
  operationId: 'getVersion',
  summary: 'Get server version and system information',
  responses: {
    200: { description: 'Version information', content: { 'application/json': { schema: SystemVersionInfo } } },
    500: errorJson('Internal server error'),
  },
});

export const getAPIVersions = operation({
  operationId: 'getAPIVersions',
  summary: 'List supported API contract versions',
  responses: {
    200: { description: 'API version list', content: { 'application/json': { schema: APIVersionsResponse } } },
  },
});
