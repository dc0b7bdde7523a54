import { readRepositoryGeneration } from '@/server/db/repositories/sync-version';
import { GENERATION_HEADER } from '@/server/services/generation';
import { logger } from '@/server/logger';

/**
 * Formulus reads `x-repository-generation` from every response of these endpoints, failures included, through
 * a header getter that throws when the header is absent: without it a 401 never reaches the re-login and a 403
 * never becomes "no permission to upload". So the gate puts the current generation on all of their answers.
 */
const SYNC_ENDPOINTS = [
  { method: 'POST', path: /^\/api\/sync\/(pull|push)\/?$/ },
  { method: 'POST', path: /^\/api\/attachments\/manifest\/?$/ },
  { method: 'PUT', path: /^\/api\/attachments\/(?!manifest\/?$|export-zip\/?$)[^/]+\/?$/ },
];

/** A read that is slower than this is skipped: the header must never delay or replace the real answer. */
const READ_TIMEOUT_MS = 1000;

let lastKnown: bigint | undefined;

export async function withRepositoryGeneration(request: Request, response: Response): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!SYNC_ENDPOINTS.some((endpoint) => endpoint.method === request.method && endpoint.path.test(path)))
    return response;
  if (response.headers.has(GENERATION_HEADER)) return response;
  const generation = await currentGeneration();
  if (generation !== undefined) response.headers.set(GENERATION_HEADER, String(generation));
  return response;
}

/** The stored generation; on a failed or slow read the last one seen, else nothing (the header is then omitted). */
async function currentGeneration(): Promise<bigint | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), READ_TIMEOUT_MS);
  });
  try {
    const read = await Promise.race([readRepositoryGeneration(), timeout]);
    if (read !== undefined) lastKnown = read;
  } catch (err) {
    logger.warn('could not read the repository generation for the response header', { error: String(err) });
  } finally {
    clearTimeout(timer);
  }
  return lastKnown;
}
