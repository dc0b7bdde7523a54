import { z } from 'zod';
import {
  createDocument,
  type ZodOpenApiOperationObject,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
  type ZodOpenApiResponsesObject,
} from 'zod-openapi';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { appRouter } from '@/server/routers/_app';
import { binaryRoutes } from '@/server/http/routes';
import { getConfig } from '@/server/config';
import { AppBundleChangeLog } from '@/server/wire/bundles';
import { errorJson, gateResponses, ProblemDetail } from '@/server/wire/errors';
import { generationHeaders, type WireOperation } from '@/server/wire/operation';
import { wireOperations } from '@/server/wire/operations';
import { getHealth } from '@/server/wire/system';

/**
 * The served OpenAPI 3.1 document, generated from the zod schemas: each tRPC procedure with REST metadata and
 * each streaming route names its operation (server/wire), whose schemas are named components. Operation ids,
 * tags and component names are upstream's, so a client generated from this document is upstream's client. The
 * gate's answers (426, 401, 500, and 400/413 for JSON bodies) are added here, once for every operation.
 */

const odeVersionHeader = z.string().meta({
  param: { id: 'XOdeVersion' },
  pattern: '^([vV])?\\d+\\.\\d+\\.\\d+([+.-].*)?$',
  example: '1.0.0',
  description: 'Client semantic version; the major segment must match the server (426 otherwise).',
});

type Method = 'get' | 'head' | 'post' | 'put' | 'delete';

interface Procedure {
  _def: { meta?: OpenApiMeta; inputs: z.ZodType[]; output?: z.ZodType };
}

export function buildOpenApiDocument(origin: string) {
  const paths: ZodOpenApiPathsObject = {};
  const add = (path: string, method: Method, operation: ZodOpenApiOperationObject) => {
    paths[path] = { ...paths[path], [method]: operation };
  };

  add('/health', 'get', describe(getHealth, {}));
  for (const [name, procedure] of Object.entries(appRouter._def.procedures as unknown as Record<string, Procedure>)) {
    const meta = procedure._def.meta?.openapi;
    if (!meta) continue;
    const operation = wireOperation(meta.operationId, name);
    const input = procedure._def.inputs[0] as z.ZodObject | undefined;
    assertSuccessSchema(operation, procedure._def.output, name);
    const pathNames = [...meta.path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
    const inputShape = input?.shape ?? {};
    const pathParams = pathNames.length
      ? z.object(Object.fromEntries(pathNames.map((key) => [key, inputShape[key]])))
      : undefined;
    const queryParams = meta.method === 'GET' && input && Object.keys(inputShape).length ? input : undefined;
    add(`/api${meta.path}`, meta.method.toLowerCase() as Method, describe(operation, { pathParams, queryParams }));
  }
  for (const { route } of binaryRoutes) {
    if (!route.openapi) continue;
    add(
      `/api${route.path.replace(/\{(\w+)\+\}/g, '{$1}')}`,
      route.method.toLowerCase() as Method,
      describe(route.openapi, {}),
    );
  }

  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'Synkronus API',
      version: getConfig().serverVersion,
      description:
        'Every /api request needs the header `x-ode-version` with major version 1 (426 otherwise). ' +
        'All routes except /health, /api/auth/login and /api/auth/refresh need `Authorization: Bearer <access token>`.',
    },
    servers: [{ url: origin }],
    paths,
    components: {
      securitySchemes: {
        bearerAuth: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'JWT token obtained from /api/auth/login',
        },
      },
      schemas: { ProblemDetail, AppBundleChangeLog },
    },
  });
}

function wireOperation(operationId: string | undefined, procedureName: string): WireOperation {
  const operation = operationId ? wireOperations.get(operationId) : undefined;
  if (!operation)
    throw new Error(`procedure ${procedureName} has REST metadata but no documented operation (${operationId})`);
  return operation;
}

/** The success answer is documented with the procedure's own `.output()` schema, never a copy of it. */
function assertSuccessSchema(operation: WireOperation, output: z.ZodType | undefined, procedureName: string): void {
  const [, success] = Object.entries(operation.responses).find(([status]) => status.startsWith('2')) ?? [];
  const schema = (success as ZodOpenApiResponseObject | undefined)?.content?.['application/json']?.schema;
  if (!output || schema !== output) {
    throw new Error(
      `procedure ${procedureName}: the success response of ${operation.operationId} must be its .output() schema`,
    );
  }
}

function describe(
  operation: WireOperation,
  params: { pathParams?: z.ZodObject; queryParams?: z.ZodObject },
): ZodOpenApiOperationObject {
  const underApi = operation !== getHealth;
  const header = underApi
    ? z.object({ 'x-ode-version': odeVersionHeader, ...operation.headers?.shape })
    : operation.headers;
  return {
    operationId: operation.operationId,
    tags: operation.tags,
    summary: operation.summary,
    description: operation.description,
    security: operation.public ? undefined : [{ bearerAuth: [] }],
    requestParams: definedOnly({
      path: params.pathParams ?? operation.path,
      query: params.queryParams ?? operation.query,
      header,
    }),
    requestBody: operation.requestBody,
    responses: underApi ? withGateResponses(operation) : operation.responses,
  };
}

function withGateResponses(operation: WireOperation): ZodOpenApiResponsesObject {
  const hasJsonBody = !!operation.requestBody?.content['application/json'];
  const responses: ZodOpenApiResponsesObject = {
    400: errorJson(
      hasJsonBody
        ? 'Malformed request: path, query or JSON body'
        : 'Malformed request: bad percent-encoding or control characters in the path or query',
    ),
    ...(hasJsonBody && { 413: errorJson('Request body too large') }),
    ...(!operation.public && { 401: gateResponses.unauthorized }),
    426: gateResponses.versionMismatch,
    500: gateResponses.internal,
    ...operation.responses,
  };
  if (!operation.generationOnEveryResponse) return sortByStatus(responses);
  return sortByStatus(
    Object.fromEntries(
      Object.entries(responses).map(([status, response]) => [
        status,
        withGenerationHeader(response as ZodOpenApiResponseObject),
      ]),
    ),
  );
}

function withGenerationHeader(response: ZodOpenApiResponseObject): ZodOpenApiResponseObject {
  const headers =
    response.headers instanceof z.ZodObject ? response.headers.extend(generationHeaders.shape) : generationHeaders;
  return { ...response, headers };
}

function sortByStatus(responses: ZodOpenApiResponsesObject): ZodOpenApiResponsesObject {
  return Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
}

const definedOnly = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
