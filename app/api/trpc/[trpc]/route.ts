import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { appRouter } from '@/server/routers/_app';
import { createConsoleContext } from '@/server/http/console-context';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** The console's endpoint: the same routers as the REST surface, over tRPC. */
function handler(request: Request): Promise<Response> {
  return fetchRequestHandler({
    endpoint: '/api/trpc',
    req: request,
    router: appRouter,
    createContext: () => createConsoleContext(request),
  });
}

export { handler as GET, handler as POST };
