import { getConfig } from '@/server/config';
import { bearerToken, verifyToken } from '@/server/auth/tokens';
import { hasRole } from '@/server/auth/roles';
import { AppError } from '@/server/errors';
import { problem } from '@/server/problems';
import { presence } from '@/server/services/presence';
import { readJsonBody } from '@/server/http/body';
import { preflightResponse, withCors } from '@/server/http/cors';
import { handleOpenApiRequest } from '@/server/http/openapi';
import { withRepositoryGeneration } from '@/server/http/repository-generation-header';
import { REQUEST_ID_HEADER, requestInfo } from '@/server/http/request-info';
import { logAccess } from '@/server/http/access-log';
import { apiPathOf, isPublicPath, operationTemplate } from '@/server/http/operations';
import { appErrorResponse, forbiddenText, unauthorizedText } from '@/server/http/responses';
import { versionGate } from '@/server/http/version-gate';
import { bodyNulProblem, requestLineProblem } from '@/server/http/request-guards';
import { matchRoute } from '@/server/http/binary-routes';
import { binaryRoutes } from '@/server/http/routes';
import { logger } from '@/server/logger';
import type { Context } from '@/server/trpc';

/**
 * The REST surface under /api, in the middleware order of upstream (api-contract §1.3), after a check of the
 * request line (malformed escapes, control characters, unknown methods): CORS preflight → x-ode-version (426) →
 * bearer token (401, except login/refresh) → presence heartbeat → role (403, declared by each procedure or binary
 * route) → handler. Every answer carries the request id; sync answers carry the repository generation.
 */

const authBodyTooLarge = () => problem('request.auth_body_too_large');
const jsonBodyTooLarge = () => problem('request.body_too_large');

export async function handleApiRequest(request: Request): Promise<Response> {
  const startedAt = performance.now();
  const apiPath = apiPathOf(new URL(request.url).pathname);
  const info = requestInfo(request);
  const ctx: Context = {
    user: null,
    request: info,
    response: { headers: {} },
    log: logger.child({ requestId: info.requestId }),
  };
  const response = withCors(request, await respond(request, apiPath, ctx));
  response.headers.set(REQUEST_ID_HEADER, info.requestId);
  logAccess(ctx, request.method, operationTemplate(request.method, apiPath), response.status, startedAt);
  return response;
}

async function respond(request: Request, apiPath: string, ctx: Context): Promise<Response> {
  if (request.method === 'OPTIONS') return preflightResponse(request);
  return withRepositoryGeneration(request.method, apiPath, await answer(request, apiPath, ctx));
}

async function answer(request: Request, apiPath: string, ctx: Context): Promise<Response> {
  try {
    return await route(request, apiPath, ctx);
  } catch (err) {
    if (err instanceof AppError) return appErrorResponse(err);
    ctx.log.error('unhandled error', { path: apiPath, error: (err as Error).stack ?? String(err) });
    return appErrorResponse(problem('server.internal'));
  }
}

async function route(request: Request, apiPath: string, ctx: Context): Promise<Response> {
  const refused = requestLineProblem(request, apiPath);
  if (refused) return refused;
  const gate = versionGate(request.headers);
  if (gate) return gate;

  const info = ctx.request;
  const isPublic = isPublicPath(apiPath);
  if (!isPublic) {
    const token = bearerToken(request.headers.get('authorization'));
    const user = token ? await verifyToken(token, 'access') : undefined;
    if (!user) return unauthorizedText();
    ctx.user = user;
    presence().heartbeat(user.username, info.clientId, info.odeVersion);
  }

  const binary = matchRoute(binaryRoutes, request.method, apiPath);
  if (binary) {
    if (!hasRole(ctx.user!.role, binary.route.role)) return forbiddenText();
    return binary.route.handle(request, { ...ctx, user: ctx.user!, params: binary.params });
  }

  let body: unknown = undefined;
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'DELETE') {
    const cap = isPublic ? getConfig().authLimits.maxBodyBytes : getConfig().maxJsonBodyBytes;
    const parsed = await readJsonBody(request, cap, isPublic ? authBodyTooLarge : jsonBodyTooLarge);
    if (!parsed.ok) return appErrorResponse(parsed.error);
    const nul = bodyNulProblem(apiPath, parsed.value);
    if (nul) return nul;
    body = parsed.value;
  }
  if (request.method === 'HEAD')
    return headOf(await handleOpenApiRequest(new Request(request, { method: 'GET' }), apiPath, body, ctx));
  return handleOpenApiRequest(request, apiPath, body, ctx);
}

/** HEAD of a JSON operation: its GET answer without the body (the adapter itself knows no HEAD). */
function headOf(response: Response): Response {
  return new Response(null, { status: response.status, headers: response.headers });
}
