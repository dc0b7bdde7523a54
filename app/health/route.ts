import { routerCaller } from '@/server/http/router-caller';
import { jsonResponse } from '@/server/http/responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

/** Public, no version header (Formulus probes it to tell "offline" from "no bundle yet"). 503 when the database is down. */
export async function GET(request: Request): Promise<Response> {
  const report = await routerCaller(request, null).system.health();
  return report.ok
    ? jsonResponse({ status: 'ok', timestamp: report.timestamp, version: report.version })
    : jsonResponse({ status: 'error', error: report.error, timestamp: report.timestamp }, { status: 503 });
}

export async function HEAD(request: Request): Promise<Response> {
  const response = await GET(request);
  return new Response(null, { status: response.status, headers: response.headers });
}
