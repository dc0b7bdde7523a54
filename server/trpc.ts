import { initTRPC, TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import type { OpenApiMeta } from 'trpc-to-openapi';
import { ZodError } from 'zod';
import { AppError, type ContractErrorBody, type ErrorKind } from '@/server/errors';
import type { ProblemCode } from '@/server/problems';
import { hasRole, type AuthUser, type Role } from '@/server/auth/roles';
import type { Logger } from '@/server/logger';

/**
 * The one place that owns the request context, error formatting and every procedure builder. The REST
 * surface (trpc-to-openapi) and the console (tRPC client) call the same procedures, so a role or validation
 * rule declared here holds for both.
 */

export interface RequestInfo {
  /** `x-request-id` from a proxy, or generated; returned in the response and bound to the request's logs. */
  requestId: string;
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
  /**
   * Status and headers a procedure wants on its success response, and its body when the procedure has it as JSON
   * text already (sent instead of the serialised return value). REST only; the console ignores them.
   */
  response: { status?: number; headers: Record<string, string>; body?: string };
  /** The request's logger: every line carries its request id. */
  log: Logger;
}

const TRPC_CODE_BY_KIND: Record<ErrorKind, TRPC_ERROR_CODE_KEY> = {
  bad_request: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  method_not_allowed: 'METHOD_NOT_SUPPORTED',
  timeout: 'TIMEOUT',
  conflict: 'CONFLICT',
  payload_too_large: 'PAYLOAD_TOO_LARGE',
  // tRPC has no 416; only the streamed bundle download sends it, never a procedure.
  range_not_satisfiable: 'BAD_REQUEST',
  too_many_requests: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
  internal: 'INTERNAL_SERVER_ERROR',
};

export interface ErrorData {
  /** The catalogue code of a service error (server/problems.ts): what the console keys on. */
  problem?: ProblemCode;
  /** The contract body `{error, message, code?}` and headers of a service error. */
  contract?: ContractErrorBody & { headers?: Record<string, string> };
  /** Field problems of an input that failed its zod schema. */
  issues?: Array<{ path: string; message: string }>;
}

/**
 * A procedure's REST mapping and the least role that may call it (absent: no sign-in needed). The builders below
 * set the role; `enforceRole` reads it, so the rule that is checked and the rule that is listed are one.
 */
export interface ProcedureMeta extends OpenApiMeta {
  role?: Role;
}

const t = initTRPC
  .context<Context>()
  .meta<ProcedureMeta>()
  .create({
    errorFormatter({ shape, error }) {
      const data: ErrorData = {};
      if (error.cause instanceof AppError) {
        data.problem = error.cause.options.problem;
        data.contract = { ...error.cause.toBody(), headers: error.cause.options.headers };
      } else if (error.cause instanceof ZodError) {
        data.issues = error.cause.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
      }
      const message = error.code === 'INTERNAL_SERVER_ERROR' ? 'Internal server error' : shape.message;
      return { ...shape, message, data: { ...shape.data, stack: undefined, ...data } };
    },
  });

/** Service errors become tRPC errors with the matching code; the AppError rides along as the cause. */
const mapServiceErrors = t.middleware(async ({ ctx, next, path }) => {
  const result = await next();
  if (!result.ok) {
    const cause = result.error.cause;
    if (cause instanceof AppError) {
      throw new TRPCError({ code: TRPC_CODE_BY_KIND[cause.kind], message: cause.userMessage, cause });
    }
    if (result.error.code === 'INTERNAL_SERVER_ERROR') {
      ctx.log.error('procedure failed', { path, error: String(cause ?? result.error) });
    }
  }
  return result;
});

/** Signed-in procedures: the caller's role must reach the role in the procedure's meta. */
const enforceRole = t.middleware(({ ctx, meta, next }) => {
  if (!ctx.user) throw new TRPCError({ code: 'UNAUTHORIZED', message: 'Unauthorized' });
  if (meta?.role && !hasRole(ctx.user.role, meta.role))
    throw new TRPCError({ code: 'FORBIDDEN', message: 'Forbidden' });
  return next({ ctx: { ...ctx, user: ctx.user } });
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapServiceErrors);
/** Any signed-in role. */
export const authedProcedure = publicProcedure.meta({ role: 'read-only' }).use(enforceRole);
export const readWriteProcedure = publicProcedure.meta({ role: 'read-write' }).use(enforceRole);
export const adminProcedure = publicProcedure.meta({ role: 'admin' }).use(enforceRole);
