import { z } from 'zod';
import 'zod-openapi';
import type { ZodOpenApiResponseObject } from 'zod-openapi';

/** The error bodies the server really sends (api-contract §1.4), named as upstream names them. */

export const ErrorResponse = z
  .object({
    error: z.string().optional().meta({ example: 'Failed to get version information' }),
    message: z.string().optional().meta({ description: 'Optional human-readable detail' }),
    code: z.string().optional().meta({
      description: 'Stable machine-readable code (e.g. repository_reset_required)',
      example: 'repository_reset_required',
    }),
  })
  .meta({ id: 'ErrorResponse', description: 'This server always sends `error` and `message`.' });

/** Upstream's document declares it; this server never sends it. Kept so that generated clients keep the model. */
export const ProblemDetail = z
  .object({
    type: z.string().meta({ format: 'uri' }),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    instance: z.string().meta({ format: 'uri' }).optional(),
    errors: z.array(z.object({ field: z.string(), message: z.string() }).partial()).optional(),
  })
  .meta({
    id: 'ProblemDetail',
    description: 'Declared by upstream; not sent by this server (errors are ErrorResponse).',
  });

/** The 426 of the x-ode-version gate: Formulus builds its "update the app" error from these two fields. */
export const VersionMismatchResponse = z
  .object({ message: z.string(), synkronus_version: z.string() })
  .meta({ id: 'VersionMismatchResponse' });

const plainText = (body: string) => ({ 'text/plain': { schema: z.string().meta({ example: body }) } });

export const errorJson = (description: string): ZodOpenApiResponseObject => ({
  description,
  content: { 'application/json': { schema: ErrorResponse } },
});

/** The gate's answers, on every /api operation. */
export const gateResponses = {
  versionMismatch: {
    description: 'x-ode-version missing, unparseable or of another major version',
    headers: z.object({ 'x-synkronus-version': z.string().meta({ description: 'The server version' }) }),
    content: { 'application/json': { schema: VersionMismatchResponse } },
  },
  unauthorized: {
    description: 'No valid access token (the JWT middleware answers in plain text)',
    content: plainText('Unauthorized\n'),
  },
  forbidden: {
    description: "The user's role may not call this (plain text)",
    content: plainText('Forbidden\n'),
  },
  internal: errorJson('Internal server error'),
} satisfies Record<string, ZodOpenApiResponseObject>;

export const retryAfterHeaders = z.object({
  'Retry-After': z.number().int().min(1).meta({ description: 'Seconds until the client should retry' }),
});
