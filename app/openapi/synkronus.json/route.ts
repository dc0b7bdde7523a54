import { buildOpenApiDocument } from '@/server/http/openapi-document';
import { requestOrigin } from '@/server/http/request-info';
import { jsonResponse } from '@/server/http/responses';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export function GET(request: Request): Response {
  return jsonResponse(buildOpenApiDocument(requestOrigin(request)));
}
