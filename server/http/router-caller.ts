import { appRouter } from '@/server/routers/_app';
import { createCallerFactory } from '@/server/trpc';
import type { AuthUser } from '@/server/auth/roles';
import { requestInfo } from '@/server/http/request-info';
import { logger } from '@/server/logger';

const createCaller = createCallerFactory(appRouter);

/**
 * The routers, called in-process by the routes that answer outside the REST gate and the tRPC endpoint (/health,
 * the console's live refresh): they reach the domain through the same procedures, roles and error mapping.
 */
export function routerCaller(request: Request, user: AuthUser | null) {
  const info = requestInfo(request);
  return createCaller({
    user,
    request: info,
    response: { headers: {} },
    log: logger.child({ requestId: info.requestId }),
  });
}
