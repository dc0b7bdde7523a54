import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';
import { GENERATION_HEADER } from '@/server/wire/headers';
import { logger } from '@/server/logger';
import { carriesGeneration } from '@/server/http/operations';

/**
 * Formulus reads `x-repository-generation` from every response of these endpoints, failures included, through
 * a header getter that throws when the header is absent: without it a 401 never reaches the re-login and a 403
 * never becomes "no permission to upload". So the gate puts the current generation on all answers of the
 * operations that declare it (server/http/operations.ts).
 */
/** A read that is slower than this is skipped: the header must never delay or replace the real answer. */
const READ_TIMEOUT_MS = 1000;

let lastKnown: bigint | undefined;

export async function withRepositoryGeneration(method: string, apiPath: string, response: Response): Promise<Response> {
  if (!carriesGeneration(method, apiPath) || response.headers.has(GENERATION_HEADER)) return response;
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
    const read = await Promise.race([
      new RepositoryStateRepository().readCounter().then((counter) => counter.repositoryGeneration),
      timeout,
    ]);
    if (read !== undefined) lastKnown = read;
  } catch (err) {
    logger.warn('could not read the repository generation for the response header', { error: String(err) });
  } finally {
    clearTimeout(timer);
  }
  return lastKnown;
}
