/**
 * Limits on parsed JSON request bodies that PostgreSQL and the services rely on: nesting depth (jsonb and the
 * recursive walkers have stack limits) and well-formed UTF-16 (a lone surrogate escape such as "\ud800" has no
 * UTF-8 form, so jsonb refuses it). Checked iteratively, so a hostile depth cannot overflow this check either.
 */

export const MAX_JSON_DEPTH = 128;

/** A high surrogate not followed by a low one, or a low one not preceded by a high one (code units, no u flag). */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const wellFormed = (text: string) => !LONE_SURROGATE.test(text);

/** What is wrong with a parsed JSON value, or undefined when it is within the limits. */
export function jsonLimitProblem(value: unknown, maxDepth = MAX_JSON_DEPTH): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const { value: current, depth } = stack.pop()!;
    if (typeof current === 'string') {
      if (!wellFormed(current)) return 'a string holds a lone UTF-16 surrogate';
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (depth >= maxDepth) return `JSON nesting deeper than ${maxDepth} levels`;
    if (Array.isArray(current)) {
      for (const item of current) stack.push({ value: item, depth: depth + 1 });
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (!wellFormed(key)) return 'an object key holds a lone UTF-16 surrogate';
      stack.push({ value: item, depth: depth + 1 });
    }
  }
  return undefined;
}

/** The JSON path of the first U+0000 in a value (keys included), or undefined when there is none. */
export function findNul(value: unknown, path = '$'): string | undefined {
  const stack: Array<{ value: unknown; path: string }> = [{ value, path }];
  while (stack.length > 0) {
    const { value: current, path: at } = stack.pop()!;
    if (typeof current === 'string') {
      if (current.includes('\u0000')) return at;
      continue;
    }
    if (typeof current !== 'object' || current === null) continue;
    if (Array.isArray(current)) {
      current.forEach((item, index) => stack.push({ value: item, path: `${at}[${index}]` }));
      continue;
    }
    for (const [key, item] of Object.entries(current)) {
      if (key.includes('\u0000')) return at;
      stack.push({ value: item, path: `${at}.${key}` });
    }
  }
  return undefined;
}
