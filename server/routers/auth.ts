import { z } from 'zod';
import { publicProcedure, router } from '@/server/trpc';
import { AuthService } from '@/server/services/auth';
import { zOptionalText } from '@/server/routers/schemas';
import { AuthResponse, login, refreshToken } from '@/server/wire/auth';
import { auditedSignIn } from '@/server/services/audit';

/** Missing fields reach the service, which answers the contract's 400. */
const ZLoginInput = z.object({ username: zOptionalText, password: zOptionalText });
const ZRefreshInput = z.object({ refreshToken: zOptionalText });

export const authRouter = router({
  login: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/login', operationId: login.operationId } })
    .input(ZLoginInput)
    .output(AuthResponse)
    .mutation(({ input, ctx }) =>
      auditedSignIn(
        { channel: 'rest', username: input.username, ip: ctx.request.clientIp, clientId: ctx.request.clientId },
        () => new AuthService().login({ ...input, clientIp: ctx.request.clientIp }),
      ),
    ),

  refresh: publicProcedure
    .meta({ openapi: { method: 'POST', path: '/auth/refresh', operationId: refreshToken.operationId } })
    .input(ZRefreshInput)
    .output(AuthResponse)
    .mutation(({ input, ctx }) => new AuthService().refresh({ ...input, clientIp: ctx.request.clientIp })),
});
