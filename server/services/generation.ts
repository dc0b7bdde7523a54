import { AppError } from '@/server/errors';
import { GENERATION_HEADER } from '@/server/wire/headers';

/**
 * Repository generation (api-contract §3.6). The client's value comes from the `x-repository-generation`
 * header, else the body's `repository_generation`. A header that is present but not an integer ≥ 1 counts as
 * "not sent" and the body is then ignored; a body value < 1 counts as "not sent". A client that sent nothing
 * adopts the server's generation; an explicit different value must reset (409).
 */
export { GENERATION_HEADER };

export function clientGeneration(header: string | null | undefined, body: unknown): number | undefined {
  if (header !== null && header !== undefined) {
    const trimmed = header.trim();
    const value = /^\d+$/.test(trimmed) ? Number(trimmed) : NaN;
    return Number.isSafeInteger(value) && value >= 1 ? value : undefined;
  }
  return typeof body === 'number' && Number.isSafeInteger(body) && body >= 1 ? body : undefined;
}

export function generationMismatch(serverGeneration: number | bigint): AppError {
  return new AppError(
    'conflict',
    'repository generation mismatch',
    'The server repository was reset; erase local data and sync again',
    { code: 'repository_reset_required', headers: { [GENERATION_HEADER]: String(serverGeneration) } },
  );
}

export function assertGeneration(serverGeneration: number | bigint, client: number | undefined): void {
  if (client !== undefined && BigInt(client) !== BigInt(serverGeneration)) throw generationMismatch(serverGeneration);
}
