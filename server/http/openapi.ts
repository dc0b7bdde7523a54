import { createOpenApiNodeHttpHandler } from 'trpc-to-openapi';
import { appRouter } from '@/server/routers/_app';
import type { Context, ErrorData } from '@/server/trpc';
import { logger } from '@/server/logger';
import { appErrorResponse, contractErrorResponse, forbiddenText, unauthorizedText } from '@/server/http/responses';
import { problem } from '@/server/problems';

/**
 * Serves the routers' OpenAPI procedures for one request. The handler is built once (trpc-to-openapi's fetch
 * adapter rebuilds it, and in development re-generates the whole document, on every request); the body is
 * parsed by the caller with a size cap. Error bodies are rewritten to the contract's shapes.
 */

type NodeStyleHandler = (req: unknown, res: unknown) => Promise<void>;

let handler: NodeStyleHandler | undefined;

function getHandler(): NodeStyleHandler {
  handler ??= createOpenApiNodeHttpHandler({
    router: appRouter,
    createContext: ({ req }: { req: unknown }) => (req as { synkronusContext: Context }).synkronusContext,
    responseMeta: ({ ctx, errors }: { ctx?: Context; errors: unknown[] }) =>
      errors.length === 0 && ctx ? { status: ctx.response.status ?? 200, headers: { ...ctx.response.headers } } : {},
  } as never) as unknown as NodeStyleHandler;
  return handler;
}

interface AdapterResult {
  status: number;
  headers: Headers;
  body: string | undefined;
}

export async function handleOpenApiRequest(
  request: Request,
  apiPath: string,
  body: unknown,
  ctx: Context,
): Promise<Response> {
  const { search } = new URL(request.url);
  // The body was parsed by the caller (any content type: upstream reads JSON whatever the header says).
  const headers = {
    get: (name: string) => (name.toLowerCase() === 'content-type' ? 'application/json' : request.headers.get(name)),
  };
  // The adapter takes a Request: it reads `body` when present, so the proxy hands it the parsed value, the path
  // without /api, and the context.
  const overrides: Record<PropertyKey, unknown> = { body, url: apiPath + search, headers, synkronusContext: ctx };
  const proxied = new Proxy(request, {
    get(target, prop) {
      if (prop in overrides) return overrides[prop];
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    has(target, prop) {
      return prop in overrides || Reflect.has(target, prop);
    },
  });
  const result = await new Promise<AdapterResult>((resolve) => {
    const resHeaders = new Headers();
    // `statusCode` stays a plain property that the adapter writes. This literal is made once per request, and with a
    // getter and setter instead, V8's scavenges of a busy pull server took ten times as long (2.6 ms instead of 0.2 ms
    // per 500-record page).
    const res = {
      statusCode: 200,
      setHeader(key: string, value: string | string[]) {
        if (Array.isArray(value)) value.forEach((v) => resHeaders.append(key, v));
        else resHeaders.set(key, value);
      },
      end(text?: string) {
        resolve({ status: res.statusCode, headers: resHeaders, body: text });
      },
    };
    void getHandler()(proxied, res);
  });
  if (result.status < 400) {
    const text = ctx.response.body ?? result.body;
    return new Response(text === undefined ? null : text + '\n', { status: result.status, headers: result.headers });
  }
  return errorResponse(result);
}

interface AdapterErrorBody {
  message?: string;
  code?: string;
  data?: ErrorData & { code?: string };
  issues?: Array<{ path: PropertyKey[]; message: string }>;
}

/** Rewrites the adapter's `{message, code, data}` error into the contract's bodies (api-contract §1.4). */
function errorResponse(result: AdapterResult): Response {
  let parsed: AdapterErrorBody = {};
  try {
    parsed = JSON.parse(result.body ?? '{}') as AdapterErrorBody;
  } catch {
    // keep the empty shape
  }
  const contract = parsed.data?.contract;
  if (contract) {
    const { headers, ...body } = contract;
    return contractErrorResponse(result.status, body, headers);
  }
  switch (parsed.code) {
    case 'UNAUTHORIZED':
      return unauthorizedText();
    case 'FORBIDDEN':
      return forbiddenText();
    case 'NOT_FOUND':
      return appErrorResponse(problem('request.not_found'));
    case 'BAD_REQUEST': {
      const issues = parsed.data?.issues ?? [];
      const detail = issues.map((issue) => (issue.path ? `${issue.path}: ${issue.message}` : issue.message)).join('; ');
      return appErrorResponse(
        problem('request.invalid_format', { detail: detail || parsed.message || 'invalid request' }),
      );
    }
    case 'PARSE_ERROR':
    case 'UNSUPPORTED_MEDIA_TYPE':
      return appErrorResponse(problem('request.invalid_format', { detail: parsed.message ?? 'invalid request body' }));
    default:
      if (result.status >= 500) logger.error('request failed', { status: result.status, message: parsed.message });
      return result.status >= 500
        ? appErrorResponse(problem('server.internal'))
        : contractErrorResponse(result.status, {
            error: parsed.message ?? 'An error occurred',
            message: parsed.message ?? 'Request failed',
          });
  }
}
