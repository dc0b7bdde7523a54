import crypto from 'node:crypto';
import { SyncRepository } from '@/server/db/repositories/sync';
import { SyncBookkeepingRepository } from '@/server/db/repositories/sync-bookkeeping';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import { presence } from '@/server/services/presence';
import { assertGeneration, generationMismatch } from '@/server/services/generation';
import { pushGroups } from '@/server/services/sync/push-groups';
import { checkBatch, checkPushIdentifier, lastWriteWins } from '@/server/services/sync/records';
import { decodeNul, encodeNul } from '@/server/services/sync/nul-escape';
import { wireRecordsJson } from '@/server/services/sync/wire-record';
import type {
  SyncPullInput,
  SyncPullQuery,
  SyncPullResponse,
  SyncPushInput,
  SyncPushResponse,
} from '@/server/wire/sync';

export const DEFAULT_PULL_LIMIT = 100;
export const MAX_PULL_LIMIT = 1000;
/** Formulus retries a failed push for minutes, an offline device maybe a day later: keep two days of answers. */
const TRANSMISSION_RETENTION_MS = 48 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60_000;

export interface Caller {
  username: string;
  odeVersion: string | null;
  /** The client's repository generation (header or body), undefined when it sent none. */
  generation: number | undefined;
}

export type PushRequest = Omit<SyncPushInput, 'repository_generation'>;

/** The body and the query of a pull; `limit` undefined (absent or not a positive integer) means the default. */
export type PullRequest = Omit<SyncPullInput, 'repository_generation'> & SyncPullQuery;

/** A pull's answer with its records as wire JSON text (see wireRecordsJson). */
export interface PullAnswer extends Omit<SyncPullResponse, 'records'> {
  recordsJson: string;
  recordCount: number;
}

let lastPrune = 0;

function requestJson(request: PushRequest): { sha256: string; bytes: number } {
  const json = JSON.stringify(request);
  return { sha256: crypto.createHash('sha256').update(json).digest('hex'), bytes: json.length };
}

/** Push and pull (api-contract §3): the records a device sends, and the changes it has not seen yet. */
export class SyncService {
  constructor(
    private readonly sync = new SyncRepository(),
    private readonly bookkeeping = new SyncBookkeepingRepository(),
  ) {}

  /**
   * All records of a batch are stored, or none. A retry of the same transmission with the same body gets the
   * first answer and writes nothing. The push joins the next group commit (push-groups.ts); sync_push_group (in
   * the migrations) does the work and explains why no pull can skip a version.
   *
   * Formulus stores the answer's current_version as its next pull cursor. Returning the counter after this push
   * is only safe when the client had already pulled everything before it (its watermark reaches the counter as it
   * was when this push took the lock: every later version is this push's own). Otherwise the answer is the
   * watermark, so the next pull still brings the other devices' changes (and re-brings this push's rows, which the
   * device applies harmlessly). A client that never pulled (the CLI, Desktop's probe) does not use the answer as a
   * cursor and gets the upstream value.
   */
  async push(request: PushRequest, caller: Caller): Promise<SyncPushResponse> {
    if (!request.transmission_id) throw problem('sync.transmission_id_required');
    if (!request.client_id) throw problem('sync.client_id_required');
    checkPushIdentifier('transmission_id', request.transmission_id);
    checkPushIdentifier('client_id', request.client_id);
    if (!Array.isArray(request.records)) throw problem('sync.records_required');
    const batch = checkBatch(request.records);
    const { sha256, bytes } = requestJson(request);

    const result = await pushGroups().submit(
      {
        client_id: request.client_id,
        transmission_id: request.transmission_id,
        sha256,
        ...(caller.generation !== undefined && { generation: caller.generation }),
        username: caller.username,
        records: lastWriteWins(batch.records),
        // Kept in the ledger (jsonb) for replays: a refused record is echoed as sent, NUL included.
        response: encodeNul({
          success_count: request.records.length - batch.failed.length,
          ...(batch.failed.length > 0 && { failed_records: batch.failed }),
          ...(batch.warnings.length > 0 && { warnings: batch.warnings }),
        }),
      },
      bytes,
    );
    if ('stale_generation' in result) throw generationMismatch(result.stale_generation);
    if ('error' in result) throw new Error(`push ${request.transmission_id} failed: ${result.error}`);
    const response = decodeNul(result.response) as unknown as SyncPushResponse;

    presence().record({
      username: caller.username,
      clientId: request.client_id,
      lastDataVersion: response.current_version,
      odeVersion: caller.odeVersion,
    });
    this.pruneTransmissionsNow();
    return response;
  }

  private pruneTransmissionsNow(): void {
    if (Date.now() - lastPrune < PRUNE_INTERVAL_MS) return;
    lastPrune = Date.now();
    this.bookkeeping
      .pruneTransmissions(new Date(Date.now() - TRANSMISSION_RETENTION_MS))
      .catch((err: Error) => logger.warn('pruning push transmissions failed', { error: err.message }));
  }

  async pull(request: PullRequest, caller: Caller): Promise<PullAnswer> {
    if (!request.client_id) throw problem('sync.client_id_required');
    const since = request.since?.version ?? 0;
    const limit = Math.min(request.limit ?? DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT);
    const types = [...(request.schemaType ? [request.schemaType] : []), ...(request.schema_types ?? [])].filter(
      Boolean,
    );
    const page = await this.sync.pullPage(since, types.length > 0 ? types : null, limit);
    assertGeneration(page.repositoryGeneration, caller.generation);
    // The watermark is the cursor the client holds once caught up. A filtered pull says nothing about the other
    // form types, so it does not move the watermark.
    if (types.length === 0 && !page.hasMore)
      await this.bookkeeping.setWatermark(request.client_id, page.currentVersion);
    presence().record({
      username: caller.username,
      clientId: request.client_id,
      lastDataVersion: since,
      odeVersion: caller.odeVersion,
    });
    return {
      current_version: page.currentVersion,
      repository_generation: page.repositoryGeneration,
      recordsJson: wireRecordsJson(page.records),
      recordCount: page.records.length,
      change_cutoff: page.lastVersion ?? since,
      has_more: page.hasMore,
      sync_format_version: '1.0',
    };
  }
}
