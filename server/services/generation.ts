import { AppError } from '@/server/errors';
import { GENERATION_HEADER } from '@/server/http/generation-header';

/**
 * Repository generation (api-contract §3.6). The edge reads the client's value (server/http/generation-header.ts);
 * a client that sent none adopts the server's generation, an explicit different value must reset (409).
 */
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
