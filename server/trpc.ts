import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { AppError, type ContractErrorBody, type ErrorKind } from '@/server/errors';
import { hasRole, type AuthUser, type Role } from '@/server/auth/roles';
import { logger } from '@/server/logger';

/**
 * The one place that owns the request context, error formatting and every procedure builder. The REST
 * surface (trpc-to-openapi) and the console (tRPC client) call the same procedures, so a role or validation
 * rule declared here holds for both.
 */

export interface RequestInfo {
  /** Address the login limiter keys on (socket peer, or X-Real-IP from a trusted proxy). */
  clientIp: string;
  /** `x-ode-client-id`, trimmed; empty when absent. */
  clientId: string;
  /** `x-ode-version` as sent. */
  odeVersion: string | null;
  /** Absolute origin of the request, proxy headers considered, for URLs in responses. */
  origin: string;
  headers: Headers;
  /** Query parameters (the OpenAPI adapter reads a POST's input from the body only). */
  query: URLSearchParams;
}

export interface Context {
  user: AuthUser | null;
  request: RequestInfo;
  /** Status and headers a procedure wants on its success response (REST only; the console ignores them). */
  response: { status?: number; headers: Record<string, string> };
}

const TRPC_CODE_BY_KIND: Record<ErrorKind, TRPC_ERROR_CODE_KEY> = {
  bad_request: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  timeout: 'TIMEOUT',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  too_many_requests: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
};

export interface ErrorData {
  /** The contract body `{error, message, code?}` and headers of a service error. */
  contract?: ContractErrorBody & { headers?: Record<string, string> };
  /** Field problems of an input that failed its zod schema. */
  issues?: Array<{ path: string; message: string }>;
}

const t = initTRPC
  .context<Context>()
  .meta<OpenApiMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const data: ErrorData = {};
      if (error.cause instanceof AppError) {
        data.contract = { ...error.cause.toBody(), headers: error.cause.options.headers };
      } else if (error.cause instanceof ZodError) {
        data.issues = error.cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      }
      const message = error.code === 'INTERNAL_SERVER_ERROR' ? 'Internal server error' : shape.message;
      return { ...shape, message, data: { ...shape.data, stack: undefined, ...data } };
    },
  });

/** Service errors become tRPC errors with the matching code; the AppError rides along as the cause. */
const mapServiceErrors = t.middleware(async ({ next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      throw new TRPCError({ code: TRPC_CODE_BY_KIND[cause.kind], message: cause.userMessage, cause });
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      logger.error('procedure failed', { path, error: String(cause ?? result.error) });
    }
  }
  return result;
});

const requireUser = t.middleware(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Unauthorized' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

function requireRole(role: Role) {
  return t.middleware(({ ctx, next }) => {
    if (!ctx.user || !hasRole(ctx.user.role, role)) throw new TRPCError({ code: 'FORBIDDEN', message: 'Forbidden' });
    return next();
  });
}

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapServiceErrors);
/** Any signed-in role. */
export const authedProcedure = publicProcedure.use(requireUser);
export const readWriteProcedure = authedProcedure.use(requireRole('read-write'));
export const adminProcedure = authedProcedure.use(requireRole('admin'));
