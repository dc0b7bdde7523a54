import { appRouter } from '@/server/routers/_app';
import { createCallerFactory, type Context } from '@/server/trpc';
import { logger } from '@/server/logger';

/** The console's procedures called in process, as a signed-in console user of this role. */
export function consoleCaller(role: 'admin' | 'read-only') {
  const ctx: Context = {
    user: { id: '', username: 'admin', role },
    request: {
      requestId: 'test',
      clientIp: '127.0.0.1',
      clientId: '',
      odeVersion: null,
      origin: 'http://x',
      headers: new Headers(),
      query: new URLSearchParams(),
    },
    response: { headers: {} },
    log: logger,
  };
  return createCallerFactory(appRouter)(ctx);
}
