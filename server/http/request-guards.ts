import { appErrorResponse } from '@/server/http/responses';
import { problem } from '@/server/problems';
import { allowedMethods } from '@/server/http/operations';
import { findNul } from '@/server/http/json-limits';

/**
 * Checks of the request line that run before any route: a method the path does not have (405 with `Allow`), a
 * path with a malformed percent-escape or a control character once decoded, and control characters in query
 * values (400). Everything here answers in the contract's `{error, message}` shape.
 */

export function methodNotAllowed(allowed: string[]): Response {
  return appErrorResponse(problem('request.method_not_allowed', { allowed: allowed.join(', ') }));
}

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

/** 400 for a path that does not decode or decodes to a control character; undefined when the path is fine. */
export function pathProblem(rawPath: string): Response | undefined {
  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPath);
  } catch {
    return appErrorResponse(problem('request.path_encoding'));
  }
  if (CONTROL_CHARACTER.test(decoded)) return appErrorResponse(problem('request.path_control_character'));
  return undefined;
}

/** 400 for a query string that does not decode, or a name or value holding a control character. */
export function queryProblem(rawQuery: string): Response | undefined {
  for (const pair of rawQuery.replace(/^\?/, '').split('&')) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(pair.replace(/\+/g, ' '));
    } catch {
      return appErrorResponse(problem('request.query_encoding'));
    }
    if (CONTROL_CHARACTER.test(decoded)) return appErrorResponse(problem('request.query_control_character'));
  }
  return undefined;
}

/** The request line's problem, checked before authentication so that no route ever sees such a request. */
export function requestLineProblem(request: Request, apiPath: string): Response | undefined {
  const rawUrl = request.url;
  const queryStart = rawUrl.indexOf('?');
  const rawPathname = new URL(rawUrl).pathname;
  const problem = pathProblem(rawPathname) ?? (queryStart >= 0 ? queryProblem(rawUrl.slice(queryStart)) : undefined);
  if (problem) return problem;
  const allowed = allowedMethods(apiPath);
  if (allowed && !allowed.includes(request.method)) return methodNotAllowed(allowed);
  return undefined;
}

/** The one endpoint whose body carries observation content, where U+0000 is stored losslessly (nul-escape.ts). */
const NUL_PRESERVING_PATHS = new Set(['/sync/push']);

/** 400 for U+0000 anywhere in a JSON body (names, ids, passwords…) except where observation content may hold it. */
export function bodyNulProblem(apiPath: string, body: unknown): Response | undefined {
  if (NUL_PRESERVING_PATHS.has(apiPath)) return undefined;
  const at = findNul(body);
  return at === undefined
    ? undefined
    : appErrorResponse(problem('request.invalid_format', { detail: `U+0000 in ${at}` }));
}
