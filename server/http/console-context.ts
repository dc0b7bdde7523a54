import { RequestCookies } from 'next/dist/server/web/spec-extension/cookies';
import { bearerToken, verifyToken } from '@/server/auth/tokens';
import { consoleSessionUser } from '@/server/console/session';
import type { AuthUser } from '@/server/auth/roles';
import { requestInfo } from '@/server/http/request-info';
import { presence } from '@/server/services/presence';
import type { Context } from '@/server/trpc';
import { logger } from '@/server/logger';

/** Context of a console call: a bearer token (scripts) or the signed-in session. */
export async function createConsoleContext(request: Request): Promise<Context> {
  const info = requestInfo(request);
  const user = (await bearerUser(request)) ?? (await sessionUser(request, info.origin));
  if (user) presence().heartbeat(user.username, info.clientId, info.odeVersion);
  return {
    user: user ?? null,
    request: info,
    response: { headers: {} },
    log: logger.child({ requestId: info.requestId }),
  };
}

async function bearerUser(request: Request): Promise<AuthUser | undefined> {
  const token = bearerToken(request.headers.get('authorization'));
  return token ? verifyToken(token, 'access') : undefined;
}

/**
 * The session cookie counts only for same-origin calls: SameSite=Lax already keeps it off cross-site POSTs,
 * and the Origin check also turns away another site on the same host (another port is the same "site").
 */
async function sessionUser(request: Request, origin: string): Promise<AuthUser | undefined> {
  const sentOrigin = request.headers.get('origin');
  if (request.method !== 'GET' && sentOrigin !== null && sentOrigin !== origin) return undefined;
  return consoleSessionUser(new RequestCookies(request.headers));
}
