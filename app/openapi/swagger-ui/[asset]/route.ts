import fs from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { getAbsoluteFSPath } from 'swagger-ui-dist';

export const runtime = 'nodejs';

const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
};

/** Points Swagger UI at our document and sends the x-ode-version header every call needs. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: '/openapi/synkronus.json',
  dom_id: '#swagger-ui',
  persistAuthorization: true,
  requestInterceptor: (request) => { request.headers['x-ode-version'] = '1.0.0'; return request; },
});
`;

export async function GET(_request: Request, { params }: { params: Promise<{ asset: string }> }): Promise<Response> {
  const { asset } = await params;
  if (asset === 'swagger-init.js') {
    return new Response(INIT_SCRIPT, { headers: { 'Content-Type': 'text/javascript; charset=utf-8' } });
  }
  const type = ASSETS[asset];
  if (!type) return new Response('Not found\n', { status: 404 });
  const file = path.join(getAbsoluteFSPath(), asset);
  const stream = Readable.toWeb(fs.createReadStream(file)) as ReadableStream;
  return new Response(stream, { headers: { 'Content-Type': type, 'Cache-Control': 'public, max-age=86400' } });
}
