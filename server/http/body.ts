import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { limitBytes } from '@/server/byte-limit';
import { AppError } from '@/server/errors';
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
  try {
    const body = request.body as NodeReadableStream<Uint8Array>;
    for await (const chunk of limitBytes(maxBytes, tooLarge)(body)) chunks.push(chunk);
  } catch (err) {
    // The limiter's refusal; leaving the loop has cancelled the body.
    if (err instanceof AppError) return { ok: false, error: err };
    throw err;
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
