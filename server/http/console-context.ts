import { bearerToken, verifyToken } from '@/server/auth/tokens';
import { requestInfo } from '@/server/http/request-info';
import { presence } from '@/server/services/presence';
import type { Context } from '@/server/trpc';

/** Context of a console call: a bearer token (scripts) or the signed-in session. */
export async function createConsoleContext(request: Request): Promise<Context> {
  const info = requestInfo(request);
  const token = bearerToken(request.headers.get('authorization'));
  const user = (token && (await verifyToken(token, 'access'))) || null;
  if (user) presence().heartbeat(user.username, info.clientId, info.odeVersion);
  return { user, request: info, response: { headers: {} } };
}
