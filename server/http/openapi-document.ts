import { generateOpenApiDocument } from 'trpc-to-openapi';
import { appRouter } from '@/server/routers/_app';
import { binaryRoutes } from '@/server/http/routes';
import { getConfig } from '@/server/config';

type Paths = Record<string, Record<string, unknown>>;

/** The OpenAPI 3.1 document of the REST surface: the routers' procedures plus the streaming routes. */
export function buildOpenApiDocument(origin: string) {
  const document = generateOpenApiDocument(appRouter, {
    title: 'Synkronus API',
    description:
      'Every /api request needs the header `x-ode-version` with major version 1 (426 otherwise). ' +
      'All routes except /api/auth/login and /api/auth/refresh need `Authorization: Bearer <access token>`.',
    version: getConfig().serverVersion,
    baseUrl: `${origin}/api`,
    securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
  });
  const paths = (document.paths ?? {}) as Paths;
  for (const { route } of binaryRoutes) {
    if (!route.openapi) continue;
    const openapiPath = route.path.replace(/\{(\w+)\+\}/g, '{$1}');
    paths[openapiPath] ??= {};
    paths[openapiPath][route.method.toLowerCase()] = { security: [{ bearerAuth: [] }], ...route.openapi };
  }
  return { ...document, paths };
}
