import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument } from '@/server/http/openapi-document';
import { GET as documentRoute } from '@/app/openapi/synkronus.json/route';

describe('OpenAPI document', () => {
  const document = buildOpenApiDocument('https://sync.example.org');
  const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, methods]) =>
    Object.keys(methods).map((method) => `${method.toUpperCase()} ${path}`),
  );

  it('is OpenAPI 3.1 with the /api base URL of the request origin', () => {
    expect(document.openapi).toBe('3.1.0');
    expect(document.servers).toEqual([{ url: 'https://sync.example.org/api' }]);
  });

  it('documents the auth, user and system endpoints generated from the routers', () => {
    expect(operations).toEqual(
      expect.arrayContaining([
        'POST /auth/login',
        'POST /auth/refresh',
        'POST /users/create',
        'POST /users',
        'GET /users',
        'DELETE /users/delete/{username}',
        'DELETE /users/{username}',
        'POST /users/reset-password',
        'POST /users/change-password',
        'GET /version',
        'GET /versions',
        'POST /sync/pull',
        'POST /sync/push',
        'POST /admin/repository/reset',
        'POST /attachments/manifest',
        'GET /stats/observations',
        'GET /app-bundle/versions',
        'GET /app-bundle/changes',
        'POST /app-bundle/switch/{version}',
      ]),
    );
  });

  it('documents the streaming routes beside the procedures', () => {
    expect(operations).toEqual(
      expect.arrayContaining([
        'PUT /attachments/{attachment_id}',
        'GET /attachments/{attachment_id}',
        'GET /attachments/export-zip',
        'POST /app-bundle/push',
        'GET /app-bundle/manifest',
        'GET /app-bundle/download/{path}',
        'GET /app-bundle/download-zip',
        'GET /dataexport/parquet',
        'GET /dataexport/raw-json',
      ]),
    );
  });

  it('is served at /openapi/synkronus.json', async () => {
    const response = documentRoute(new Request('http://localhost:8080/openapi/synkronus.json'));
    expect(response.status).toBe(200);
    expect((await response.json()).servers[0].url).toBe('http://localhost:8080/api');
  });
});
