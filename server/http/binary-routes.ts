import type { Role, AuthUser } from '@/server/auth/roles';
import type { Context, RequestInfo } from '@/server/trpc';
import type { WireOperation } from '@/server/wire/operation';

/**
 * REST endpoints that cannot go through the OpenAPI adapter: multipart uploads, streamed downloads, and JSON
 * answers that need ETag/304. They pass the same gate (version, token, presence) and declare their role here
 * like procedures do.
 */
export interface BinaryRouteContext extends Context {
  user: AuthUser;
  request: RequestInfo;
  params: Record<string, string>;
}

export interface BinaryRoute {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT';
  /** Path under /api with `{name}` for one segment and `{name+}` for the rest of the path (raw, undecoded). */
  path: string;
  role: Role;
  handle(request: Request, ctx: BinaryRouteContext): Promise<Response>;
  /** The operation it serves, as the OpenAPI document describes it. */
  openapi?: WireOperation;
}

export interface CompiledRoute {
  route: BinaryRoute;
  pattern: RegExp;
}

/** A path template's matcher: `{name}` is one segment, `{name+}` the rest of the path. */
export function pathPattern(template: string): RegExp {
  const source = template
    .replace(/[.*?^$()|[\]\\]/g, '\\$&')
    .replace(/\{(\w+)(\+?)\}/g, (_, name: string, rest: string) => (rest ? `(?<${name}>.+)` : `(?<${name}>[^/]+)`));
  return new RegExp(`^${source}$`);
}

export function compileRoutes(routes: BinaryRoute[]): CompiledRoute[] {
  return routes.map((route) => ({ route, pattern: pathPattern(route.path) }));
}

export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  path: string,
): { route: BinaryRoute; params: Record<string, string> } | undefined {
  for (const { route, pattern } of routes) {
    if (route.method !== method) continue;
    const match = pattern.exec(path);
    if (match) return { route, params: { ...match.groups } };
  }
  return undefined;
}
