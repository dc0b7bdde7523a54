import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { issueTokenPair } from '@/server/auth/tokens';
import { getConfig } from '@/server/config';

/**
 * Console-only procedures (no REST path). The console's binary flows (bundle upload with progress, file
 * downloads) go to the streaming REST routes, which take a bearer token and x-ode-version: this hands the
 * signed-in user both, so the REST gate stays the one gate.
 */
export const consoleRouter = router({
  me: authedProcedure
    .output(z.object({ username: z.string(), role: z.string() }))
    .query(({ ctx }) => ({ username: ctx.user.username, role: ctx.user.role })),

  /** A mutation, so that it is never fetched by a cross-site GET navigation. Only the access token leaves. */
  accessToken: authedProcedure
    .output(z.object({ token: z.string(), expiresAt: z.number().int(), odeVersion: z.string() }))
    .mutation(async ({ ctx }) => {
      const { token, expiresAt } = await issueTokenPair(ctx.user);
      return { token, expiresAt, odeVersion: getConfig().serverVersion };
    }),
});
