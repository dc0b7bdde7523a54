import { z } from 'zod';
import { authedProcedure, router } from '@/server/trpc';
import { issueTokenPair } from '@/server/auth/tokens';
import { getConfig } from '@/server/config';
import { ObservationBrowserService } from '@/server/services/observation-browser';

const ZBrowserFilter = z.object({
  formType: z.string().optional(),
  search: z.string().trim().max(255).optional(),
  includeDeleted: z.boolean().default(false),
});

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

  /** The observation browser: server-side pages, newest change (highest version) first. */
  observations: authedProcedure
    .input(
      ZBrowserFilter.extend({
        page: z.number().int().min(1).default(1),
        pageSize: z.number().int().min(1).max(100).default(25),
      }),
    )
    .query(({ input }) => new ObservationBrowserService().page(input)),

  /** Geolocated observations under the browser's filter, for its map. */
  observationPoints: authedProcedure
    .input(ZBrowserFilter)
    .query(({ input }) => new ObservationBrowserService().mapPoints(input)),

  /** The mark of the newest change, for the live refresh (app/api/console-changes answers it with an ETag). */
  latestChange: authedProcedure.query(() => new ObservationBrowserService().latestChange()),
});
