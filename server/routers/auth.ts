import { z } from 'zod';
import { publicProcedure, router } from '@/server/trpc';
import { AuthService } from '@/server/services/auth';
import { zOptionalText } from '@/server/routers/schemas';
import { auditedSignIn } from '@/server/services/audit';

export const ZLoginRequest = z.object({ username: zOptionalText, password: zOptionalText });
export const ZRefreshRequest = z.object({ refreshToken: zOptionalText });
export const ZAuthResponse = z.object({
  token: z.string(),
  refreshToken: z.string(),
  expiresAt: z.number().int().describe('Unix seconds'),
});

export const authRouter = router({
  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', tags: ['auth'], summary: 'Log in with username and password' } })
    .input(ZLoginRequest)
    .output(ZAuthResponse)
    .mutation(({ input, ctx }) =>
      auditedSignIn({ channel: 'rest', username: input.username, ip: ctx.request.clientIp, clientId: ctx.request.clientId }, () =>
        new AuthService().login({ ...input, clientIp: ctx.request.clientIp }),
      ),
    ),

  refresh: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/refresh', tags: ['auth'], summary: 'Exchange a refresh token for new tokens' } })
    .input(ZRefreshRequest)
    .output(ZAuthResponse)
    .mutation(({ input, ctx }) => new AuthService().refresh({ ...input, clientIp: ctx.request.clientIp })),
});
