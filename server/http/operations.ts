import type { Role } from '@/server/auth/roles';
import { pathPattern } from '@/server/http/binary-routes';
import { binaryRoutes } from '@/server/http/routes';
import { appRouter } from '@/server/routers/_app';
import type { ProcedureMeta } from '@/server/trpc';
import { wireOperations } from '@/server/wire/operations';

/**
 * Every REST operation under /api as declared by its code: the procedures' OpenAPI meta and the binary routes.
 * The gate takes its public paths, `Allow` lists and generation-header endpoints from here, the access log and
 * metrics their path templates, so none keeps a list of its own; the authorization matrix test walks the same table.
 */
export interface Operation {
  method: string;
  /** Path under /api, `{name}` for a parameter. */
  template: string;
  /** The least role that may call it; undefined for the sign-in endpoints. */
  role: Role | undefined;
  pattern: RegExp;
  /** Every answer, failures included, carries x-repository-generation (declared by its wire operation). */
  generationOnEveryResponse: boolean;
}

/** An API path as the operations name it: without `/api` and trailing slashes. */
export const apiPathOf = (pathname: string): string =>
  pathname.replace(/^\/api(?=\/|$)/, '').replace(/\/+$/, '') || '/';

function procedureOperations(): Operation[] {
  const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { meta?: ProcedureMeta } }>;
  return Object.values(procedures).flatMap(({ _def: { meta } }) =>
    meta?.openapi
      ? [
          {
            method: meta.openapi.method,
            template: meta.openapi.path,
            role: meta.role,
            pattern: pathPattern(meta.openapi.path),
            generationOnEveryResponse: !!wireOperations.get(meta.openapi.operationId ?? '')?.generationOnEveryResponse,
          },
        ]
      : [],
  );
}

function binaryOperations(): Operation[] {
  return binaryRoutes.map(({ route, pattern }) => ({
    method: route.method,
    template: route.path.replace(/\{(\w+)\+\}/g, '{$1}'),
    role: route.role,
    pattern,
    generationOnEveryResponse: !!route.openapi?.generationOnEveryResponse,
  }));
}

let table: Operation[] | undefined;

export function restOperations(): Operation[] {
  table ??= [...binaryOperations(), ...procedureOperations()];
  return table;
}

let publicPaths: Set<string> | undefined;

/** Paths whose every operation needs no token (sign-in and token refresh). */
export function isPublicPath(apiPath: string): boolean {
  publicPaths ??= new Set(
    restOperations()
      .filter((op) => op.role === undefined)
      .map((op) => op.template),
  );
  return publicPaths.has(apiPath);
}

/** The template of the operation a request reaches, for logs and metrics; `unmatched` when none does. */
export function operationTemplate(method: string, apiPath: string): string {
  const wanted = method === 'HEAD' ? ['HEAD', 'GET'] : [method];
  const match = restOperations().find((op) => wanted.includes(op.method) && op.pattern.test(apiPath));
  return match ? match.template : 'unmatched';
}

/** The template an API path matches whatever the method (the least parameterised one), for metrics labels. */
export function routeTemplate(apiPath: string): string | undefined {
  const parameters = (template: string) => template.split('{').length;
  const matches = restOperations().filter((op) => op.pattern.test(apiPath));
  return matches.sort((a, b) => parameters(a.template) - parameters(b.template))[0]?.template;
}

/** The methods the API path answers (HEAD wherever GET is, OPTIONS for CORS), or undefined when no route has it. */
export function allowedMethods(apiPath: string): string[] | undefined {
  const methods = new Set(
    restOperations()
      .filter((op) => op.pattern.test(apiPath))
      .map((op) => op.method),
  );
  if (methods.size === 0) return undefined;
  if (methods.has('GET')) methods.add('HEAD');
  methods.add('OPTIONS');
  return [...methods].sort();
}

/** Whether the operation a request reaches puts the repository generation on every answer. */
export function carriesGeneration(method: string, apiPath: string): boolean {
  return restOperations().some(
    (op) => op.method === method && op.generationOnEveryResponse && op.pattern.test(apiPath),
  );
}
