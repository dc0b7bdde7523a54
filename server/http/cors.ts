/** CORS as upstream (api-contract §1.2): any origin, credentials allowed. */
const ALLOWED_HEADERS =
  'accept, authorization, content-type, x-csrf-token, x-ode-version, x-ode-client-id, x-repository-generation, if-none-match';
const EXPOSED_HEADERS = 'link, etag, x-repository-generation, retry-after, content-disposition, x-synkronus-version';

export function preflightResponse(request: Request): Response {
  const headers = new Headers();
  applyCors(request, headers);
  headers.set('Access-Control-Allow-Methods', 'GET, POST, PUT, DELETE, OPTIONS');
  headers.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
  headers.set('Access-Control-Max-Age', '300');
  return new Response(null, { status: 204, headers });
}

export function applyCors(request: Request, headers: Headers): void {
  const origin = request.headers.get('origin');
  if (!origin) return;
  headers.set('Access-Control-Allow-Origin', origin);
  headers.set('Access-Control-Allow-Credentials', 'true');
  headers.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
  if (!/\borigin\b/i.test(headers.get('vary') ?? '')) headers.append('Vary', 'Origin');
}

export function withCors(request: Request, response: Response): Response {
  if (!request.headers.get('origin')) return response;
  const copy = new Response(response.body, response);
  applyCors(request, copy.headers);
  return copy;
}
