import { getConfig } from '@/server/config';
import { HistoryRepository, type VersionRow } from '@/server/db/repositories/history';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import { decodeNul } from '@/server/services/sync/nul-escape';

/** The client id of versions the server writes itself (restores, kept conflict losers). */
export const SERVER_CLIENT_ID = 'synkronus-console';
const PRUNE_INTERVAL_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface ObservationVersion {
  version: number;
  data: unknown;
  form_type: string;
  form_version: string;
  deleted: boolean;
  geolocation: Record<string, unknown> | null;
  tags: string[];
  written_at: string;
  username: string | null;
  client_id: string | null;
  transmission_id: string | null;
}

/** A stored version as it was pushed (U+0000 is kept escaped in the database, see nul-escape.ts). */
export function toVersion(row: VersionRow): ObservationVersion {
  return {
    version: Number(row.version),
    data: decodeNul(row.data),
    form_type: row.form_type,
    form_version: row.form_version,
    deleted: row.deleted,
    geolocation: decodeNul(row.geolocation),
    tags: row.tags ?? [],
    written_at: row.written_at,
    username: row.written_by,
    client_id: row.written_client_id,
    transmission_id: row.written_transmission_id,
  };
}

export class HistoryService {
  constructor(private readonly history = new HistoryRepository()) {}

  async versions(observationId: string): Promise<{ observation_id: string; versions: ObservationVersion[] }> {
    const rows = await this.history.versions(observationId);
    if (rows.length === 0) throw problem('observation.not_found');
    return { observation_id: observationId, versions: rows.map(toVersion) };
  }

  /** Writes an earlier version's content as the observation's newest version, so every device pulls it. */
  async restore(
    observationId: string,
    version: number,
    username: string,
  ): Promise<{ observation_id: string; restored_version: number; version: number }> {
    const written = await this.history.transaction(async (tx) => {
      const source = await this.history.version(tx, observationId, BigInt(version));
      if (!source) throw problem('history.version_not_found', { observationId, version });
      const next = await this.history.writeVersion(tx, observationId, source, { username, clientId: SERVER_CLIENT_ID });
      if (next === undefined) throw problem('observation.removed');
      return next;
    });
    return { observation_id: observationId, restored_version: version, version: Number(written) };
  }

  /** Drops history older than SYNKRONUS_HISTORY_RETENTION_DAYS (nothing when unset). */
  async prune(now = new Date()): Promise<number> {
    const days = getConfig().historyRetentionDays;
    if (days === undefined) return 0;
    return this.history.prune(new Date(now.getTime() - days * DAY_MS));
  }
}

/** Prunes now and then hourly, for the life of the process (the timer does not keep it alive). */
export function startHistoryPruning(): void {
  const prune = () =>
    new HistoryService()
      .prune()
      .then((count) => count > 0 && logger.info('pruned observation history', { versions: count }))
      .catch((err: Error) => logger.warn('pruning observation history failed', { error: err.message }));
  void prune();
  setInterval(prune, PRUNE_INTERVAL_MS).unref();
}
