import type { Context } from '@/server/trpc';

/** One line per request, as operators grep for it: what was asked, by whom, how it ended and how long it took. */
export function logAccess(ctx: Context, method: string, route: string, status: number, startedAt: number): void {
  ctx.log.info('request', {
    method,
    route,
    status,
    durationMs: Math.round((performance.now() - startedAt) * 10) / 10,
    user: ctx.user?.username,
    clientId: ctx.request.clientId || undefined,
  });
}
