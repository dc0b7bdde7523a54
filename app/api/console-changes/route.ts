import { problem } from '@/server/problems';
import { RequestCookies } from 'next/dist/server/web/spec-extension/cookies';
import { consoleSessionUser } from '@/server/console/session';
import { routerCaller } from '@/server/http/router-caller';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/**
 * The console's live updates: the mark of the newest change (change counter and repository generation), with an
 * ETag so that a poll that finds nothing new is a bodiless 304. The counter read is shared between callers.
 */
export async function GET(request: Request): Promise<Response> {
  const user = await consoleSessionUser(new RequestCookies(request.headers));
  if (!user) {
    const refusal = problem('console.sign_in_required');
    return Response.json(refusal.toBody(), { status: refusal.status });
  }
  const mark = await routerCaller(request, user).console.latestChange();
  const etag = `"${mark.repositoryGeneration}-${mark.changeVersion}"`;
  const headers = { etag, 'cache-control': 'private, no-cache' };
  if (request.headers.get('if-none-match') === etag) return new Response(null, { status: 304, headers });
  return Response.json(mark, { headers });
}
