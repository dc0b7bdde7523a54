import { z } from 'zod';
import type { ZodOpenApiRequestBodyObject, ZodOpenApiResponsesObject } from 'zod-openapi';
import { GENERATION_HEADER } from '@/server/wire/headers';

/**
 * One REST operation as the OpenAPI document describes it: upstream's operationId and tags, the request
 * headers and query parameters, and every status it really answers. The tRPC procedure (or streaming route) that
 * serves it names it by `operationId`; a procedure's input and output stay its own parsers, and its success
 * response must use the very schema of its `.output()` (the document generator checks).
 */
export interface WireOperation {
  operationId: string;
  tags?: string[];
  summary: string;
  description?: string;
  /** No bearer token (login, refresh). */
  public?: boolean;
  headers?: z.ZodObject;
  query?: z.ZodObject;
  /** Path parameters of streaming routes (procedures take theirs from their input). */
  path?: z.ZodObject;
  /** The documented body; for procedures it may be stricter than their lenient parser (the service then answers 400). */
  requestBody?: ZodOpenApiRequestBodyObject;
  /** Every answer carries x-repository-generation (Formulus reads it from failures too). */
  generationOnEveryResponse?: boolean;
  responses: ZodOpenApiResponsesObject;
}

export const operation = (definition: WireOperation) => definition;

export const jsonBody = (schema: z.ZodType): ZodOpenApiRequestBodyObject => ({
  required: true,
  content: { 'application/json': { schema } },
});

/** Request headers upstream declares on some operations. */
export const clientIdHeader = z
  .string()
  .optional()
  .meta({ description: 'Optional client instance id; used for per-device presence.' });

export const requestGenerationHeader = z.number().int().min(1).optional().meta({
  format: 'int64',
  description:
    'Client repository epoch; must match the server. Omitted or invalid values are treated as "not sent" (the server value is adopted).',
});

export const generationHeaders = z.object({
  [GENERATION_HEADER]: z.number().int().meta({ format: 'int64', description: 'Current repository epoch' }),
});
