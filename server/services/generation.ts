import type { AppError } from '@/server/errors';
import { problem } from '@/server/problems';

/**
 * Repository generation (api-contract §3.6). The edge reads the client's value (server/http/generation-header.ts);
 * a client that sent none adopts the server's generation, an explicit different value must reset (409).
 */
export function generationMismatch(serverGeneration: number | bigint): AppError {
  return problem('repository.reset_required', { serverGeneration: String(serverGeneration) });
}

export function assertGeneration(serverGeneration: number | bigint, client: number | undefined): void {
  if (client !== undefined && BigInt(client) !== BigInt(serverGeneration)) throw generationMismatch(serverGeneration);
}
