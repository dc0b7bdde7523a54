import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/routers/_app';
import { createConsoleContext } from '@/server/http/console-context';
import { logAccess } from '@/server/http/access-log';
import { REQUEST_ID_HEADER } from '@/server/http/request-info';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The console's endpoint: the same routers as the REST surface, over tRPC. */
async function handler(request: Request): Promise<Response> {
  const startedAt = performance.now();
  const ctx = await createConsoleContext(request);
  const response = await fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => ctx,
  });
  response.headers.set(REQUEST_ID_HEADER, ctx.request.requestId);
  const procedures = new URL(request.url).pathname.replace(/^\/api\/trpc\/?/, '');
  logAccess(ctx, request.method, `trpc:${procedures}`, response.status, startedAt);
  return response;
}

export { handler as GET, handler as POST };
