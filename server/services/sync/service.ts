import crypto from 'node:crypto';
import { ObservationRepository, type ObservationRow } from '@/server/db/repositories/observations';
import { AppError, badRequest, notFound } from '@/server/errors';
import { logger } from '@/server/logger';
import { presence } from '@/server/services/presence';
import { assertGeneration, generationMismatch } from '@/server/services/generation';
import { pushGroups } from '@/server/services/sync/push-groups';
import {
  checkBatch,
  checkPushIdentifier,
  lastWriteWins,
  type FailedRecord,
  type SyncWarning,
} from '@/server/services/sync/records';
import { decodeNul } from '@/server/services/sync/nul-escape';
import { emptyAttachmentFolders } from '@/server/storage/attachment-folders';

export const DEFAULT_PULL_LIMIT = 100;
export const MAX_PULL_LIMIT = 1000;
export const RESET_CONFIRMATION = 'RESET_REPOSITORY';
/** Formulus retries a failed push for minutes, an offline device maybe a day later: keep two days of answers. */
const TRANSMISSION_RETENTION_MS = 48 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 60_000;

export interface Caller {
  username: string;
  odeVersion: string | null;
  /** The client's repository generation (header or body), undefined when it sent none. */
  generation: number | undefined;
}

export interface PushRequest {
  transmission_id: string;
  client_id: string;
  records: unknown[] | null | undefined;
}

export interface PushResponse {
  current_version: number;
  repository_generation: number;
  success_count: number;
  failed_records?: FailedRecord[];
  warnings?: SyncWarning[];
}

export interface PullRequest {
  client_id: string;
  since?: { version: number; id?: string };
  schema_types?: string[];
  /** The `limit` and `schemaType` query parameters, as sent. */
  limit?: string;
  schemaType?: string;
}

export interface WireRecord {
  observation_id: string;
  form_type: string;
  form_version: string;
  data: unknown;
  created_at: string;
  updated_at: string;
  synced_at?: string;
  deleted: boolean;
  version: number;
  geolocation?: Record<string, unknown>;
  author?: string;
  device_id?: string;
  tags?: string[];
}

export interface PullResponse {
  current_version: number;
  repository_generation: number;
  records: WireRecord[];
  change_cutoff: number;
  has_more: boolean;
  sync_format_version: '1.0';
}

let lastPrune = 0;

/** Go writes RFC3339Nano: fractional seconds only when non-zero. */
export function trimFraction(timestamp: string): string {
  return timestamp.replace(/\.(\d*?)0*Z$/, (_, digits: string) => (digits ? `.${digits}Z` : 'Z'));
}

export function toWireRecord(row: ObservationRow): WireRecord {
  return {
    observation_id: row.observation_id,
    form_type: row.form_type,
    form_version: row.form_version,
    data: decodeNul(row.data),
    created_at: trimFraction(row.created_at),
    updated_at: trimFraction(row.updated_at),
    ...(row.synced_at !== null && { synced_at: trimFraction(row.synced_at) }),
    deleted: row.deleted,
    version: Number(row.version),
    ...(row.geolocation !== null && { geolocation: decodeNul(row.geolocation) }),
    ...(row.author !== null && { author: row.author }),
    ...(row.device_id !== null && { device_id: row.device_id }),
    ...(row.tags !== null && row.tags.length > 0 && { tags: row.tags }),
  };
}

function pullLimit(raw: string | undefined): number {
  const parsed = raw !== undefined && /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(parsed) || parsed < 1) return DEFAULT_PULL_LIMIT;
  return Math.min(parsed, MAX_PULL_LIMIT);
}

function requestJson(request: PushRequest): { sha256: string; bytes: number } {
  const json = JSON.stringify(request);
  return { sha256: crypto.createHash('sha256').update(json).digest('hex'), bytes: json.length };
}

export class SyncService {
  constructor(private readonly observations = new ObservationRepository()) {}

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
  async push(request: PushRequest, caller: Caller): Promise<PushResponse> {
    if (!request.transmission_id) throw badRequest('transmission_id is required', 'transmission_id is required');
    if (!request.client_id) throw badRequest('client_id is required', 'client_id is required');
    checkPushIdentifier('transmission_id', request.transmission_id);
    checkPushIdentifier('client_id', request.client_id);
    if (!Array.isArray(request.records)) throw badRequest('records is required', 'records must be an array');
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
        response: {
          success_count: request.records.length - batch.failed.length,
          ...(batch.failed.length > 0 && { failed_records: batch.failed }),
          ...(batch.warnings.length > 0 && { warnings: batch.warnings }),
        },
      },
      bytes,
    );
    if ('stale_generation' in result) throw generationMismatch(result.stale_generation);
    if ('error' in result) throw new Error(`push ${request.transmission_id} failed: ${result.error}`);
    const response = result.response as unknown as PushResponse;

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
    this.observations
      .pruneTransmissions(new Date(Date.now() - TRANSMISSION_RETENTION_MS))
      .catch((err: Error) => logger.warn('pruning push transmissions failed', { error: err.message }));
  }

  async pull(request: PullRequest, caller: Caller): Promise<PullResponse> {
    if (!request.client_id) throw badRequest('client_id is required', 'client_id is required');
    const since = request.since?.version ?? 0;
    const limit = pullLimit(request.limit);
    const types = [...(request.schemaType ? [request.schemaType] : []), ...(request.schema_types ?? [])].filter(
      Boolean,
    );
    const page = await this.observations.pullPage(since, types.length > 0 ? types : null, limit);
    assertGeneration(page.repositoryGeneration, caller.generation);
    const response: PullResponse = {
      current_version: page.currentVersion,
      repository_generation: page.repositoryGeneration,
      records: JSON.parse(page.recordsJson) as WireRecord[],
      change_cutoff: page.lastVersion ?? since,
      has_more: page.hasMore,
      sync_format_version: '1.0',
    };
    // The watermark is the cursor the client holds once caught up. A filtered pull says nothing about the other
    // form types, so it does not move the watermark.
    if (types.length === 0 && !page.hasMore)
      await this.observations.setWatermark(request.client_id, response.current_version);
    presence().record({
      username: caller.username,
      clientId: request.client_id,
      lastDataVersion: since,
      odeVersion: caller.odeVersion,
    });
    return response;
  }

  async resetRepository(
    confirm: string,
    username: string,
  ): Promise<{ repository_generation: number; message: string }> {
    if (confirm !== RESET_CONFIRMATION) {
      throw badRequest(
        `confirm must be exactly "${RESET_CONFIRMATION}"`,
        `Type ${RESET_CONFIRMATION} to confirm the reset`,
      );
    }
    const generation = await this.observations.transaction(async (tx) => {
      await this.observations.lockCounter(tx);
      return this.observations.resetRepository(tx, username);
    });
    logger.warn('repository reset', { by: username, generation: Number(generation) });
    try {
      await emptyAttachmentFolders();
    } catch (err) {
      logger.error('attachment folders could not be emptied after a reset', { error: (err as Error).message });
      throw new AppError(
        'internal',
        (err as Error).message,
        'Repository was reset but attachment files could not be cleared; remove them by hand',
      );
    }
    return { repository_generation: Number(generation), message: 'Repository reset completed' };
  }

  async repositoryStatus() {
    const counter = await this.observations.readCounter();
    return {
      repositoryGeneration: Number(counter.repositoryGeneration),
      currentVersion: Number(counter.currentVersion),
      lastResetAt: counter.lastResetAt?.toISOString() ?? null,
      lastResetBy: counter.lastResetBy,
    };
  }

  async getObservation(observationId: string): Promise<WireRecord> {
    const row = await this.observations.findOne(observationId);
    if (!row) throw notFound('observation not found', 'Observation not found');
    return toWireRecord(row);
  }

  formTypes() {
    return this.observations.formTypes();
  }
}
