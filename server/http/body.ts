import type { AppError } from '@/server/errors';
import { problem } from '@/server/problems';
import { jsonLimitProblem } from '@/server/http/json-limits';

export type JsonBody = { ok: true; value: unknown } | { ok: false; error: AppError };

/**
 * Reads a JSON request body without holding more than `maxBytes`. An empty body reads as `{}` (bodiless POSTs
 * such as `switch/{version}` from some clients); a larger one is 413, malformed JSON 400, and JSON past the limits
 * of json-limits.ts (nesting depth, lone surrogates) 400.
 */
export async function readJsonBody(request: Request, maxBytes: number, tooLarge: () => AppError): Promise<JsonBody> {
  const declared = Number(request.headers.get('content-length') ?? NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, error: tooLarge() };
  if (!request.body) return { ok: true, value: {} };
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, error: tooLarge() };
    }
    chunks.push(value);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (text.trim() === '') return { ok: true, value: {} };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: problem('request.invalid_format', { detail: (err as Error).message }) };
  }
  const limitProblem = jsonLimitProblem(value);
  if (limitProblem) return { ok: false, error: problem('request.invalid_format', { detail: limitProblem }) };
  return { ok: true, value };
}
