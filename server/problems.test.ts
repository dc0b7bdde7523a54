import { describe, expect, it } from 'vitest';
import { STATUS_BY_KIND } from '@/server/errors';
import { PROBLEMS, problem, problemOfBody, type ProblemCode } from '@/server/problems';

const codes = Object.keys(PROBLEMS) as ProblemCode[];
/** Any argument a template takes, so that every definition can be rendered. */
const sampleArgs = new Proxy({}, { get: (_, name) => `sample-${String(name)}` }) as never;
const render = (code: ProblemCode) =>
  (problem as (code: ProblemCode, args: never) => ReturnType<typeof problem>)(code, sampleArgs);

describe('the problem catalogue', () => {
  it('names each problem with a distinct area.what code', () => {
    for (const code of codes) expect(code).toMatch(/^[a-z]+\.[a-z_]+$/);
    const wireCodes = codes.flatMap((code) => {
      const wireCode = (PROBLEMS[code] as { wireCode?: string }).wireCode;
      return wireCode ? [wireCode] : [];
    });
    expect(wireCodes).toEqual(['repository_reset_required']);
  });

  it('maps every problem to a 4xx or 5xx status', () => {
    for (const code of codes) {
      const status = STATUS_BY_KIND[PROBLEMS[code].kind];
      expect(status, code).toBeGreaterThanOrEqual(400);
      expect(status, code).toBeLessThan(600);
      expect(render(code).status, code).toBe(status);
    }
  });

  it('gives every problem a body of its own: the body names its code back', () => {
    for (const code of codes) {
      const error = render(code);
      expect(error.options.problem).toBe(code);
      expect(problemOfBody(error.status, error.toBody()), code).toBe(code);
    }
  });

  it('keeps the contract texts and the wire code byte for byte', () => {
    expect(problem('user.invalid_role', { role: 'owner' }).toBody()).toEqual({
      error: 'invalid role: owner',
      message: 'Invalid role; expected read-only, read-write or admin',
    });
    const reset = problem('repository.reset_required', { serverGeneration: '3' });
    expect(reset.toBody()).toEqual({
      error: 'repository generation mismatch',
      message: 'The server repository was reset; erase local data and sync again',
      code: 'repository_reset_required',
    });
    expect(reset.options.headers).toEqual({ 'x-repository-generation': '3' });
    expect(problem('auth.rate_limited', { retryAfterSeconds: 7 }).options.headers).toEqual({ 'Retry-After': '7' });
  });

  it('names a bundle refusal by the check that failed, the zip catch-all last', () => {
    const body = (reason: string) => ({
      error: `bundle validation failed: ${reason}`,
      message: `Failed to process app bundle: ${reason}`,
    });
    expect(problemOfBody(400, body('missing app/index.html'))).toBe('bundle.missing_index');
    expect(problemOfBody(400, body('invalid form structure: forms/a/ui.json is not a JSON object'))).toBe(
      'bundle.invalid_form',
    );
    expect(problemOfBody(400, body("duplicate zip entry 'a'"))).toBe('bundle.unsafe_zip');
    expect(problemOfBody(500, body('missing app/index.html'))).toBeUndefined();
    expect(problemOfBody(400, { error: 'something else', message: 'entirely' })).toBeUndefined();
  });
});
