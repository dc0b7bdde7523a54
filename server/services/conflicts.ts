import { HistoryRepository, type ConflictRow } from '@/server/db/repositories/history';
import { problem } from '@/server/problems';
import { SERVER_CLIENT_ID, toVersion, type ObservationVersion } from '@/server/services/history';

export type ConflictStatus = 'open' | 'resolved';
export type ConflictSide = 'winner' | 'loser';

export interface Conflict {
  id: string;
  observation_id: string;
  status: ConflictStatus;
  detected_at: string;
  winner: { version: number; username: string | null; client_id: string | null };
  loser: { version: number; username: string | null; client_id: string | null };
  resolution: { keep: ConflictSide; resolved_at: string; resolved_by: string | null; version: number | null } | null;
}

export interface ConflictDetail extends Conflict {
  /** The content of each side; null when it is no longer kept (retention). */
  winner_version: ObservationVersion | null;
  loser_version: ObservationVersion | null;
}

function toConflict(row: ConflictRow): Conflict {
  return {
    id: row.id,
    observation_id: row.observation_id,
    status: row.resolved_at ? 'resolved' : 'open',
    detected_at: row.detected_at.toISOString(),
    winner: { version: Number(row.winner_version), username: row.winner_username, client_id: row.winner_client_id },
    loser: { version: Number(row.loser_version), username: row.loser_username, client_id: row.loser_client_id },
    resolution: row.resolved_at
      ? {
          keep: row.resolution ?? 'winner',
          resolved_at: row.resolved_at.toISOString(),
          resolved_by: row.resolved_by,
          version: row.resolved_version === null ? null : Number(row.resolved_version),
        }
      : null,
  };
}

/** The opaque paging cursor is the conflict's sequence number. */
function parseCursor(cursor: string | undefined): bigint | undefined {
  if (cursor === undefined || cursor === '') return undefined;
  if (!/^\d{1,18}$/.test(cursor)) throw problem('conflict.invalid_cursor');
  return BigInt(cursor);
}

export class ConflictService {
  constructor(private readonly history = new HistoryRepository()) {}

  async list(query: {
    status: ConflictStatus;
    limit: number;
    cursor?: string;
  }): Promise<{ conflicts: Conflict[]; next_cursor: string | null }> {
    const rows = await this.history.listConflicts({
      resolved: query.status === 'resolved',
      beforeSeq: parseCursor(query.cursor),
      limit: query.limit + 1,
    });
    const page = rows.slice(0, query.limit);
    return {
      conflicts: page.map(toConflict),
      next_cursor: rows.length > query.limit ? String(page[page.length - 1].seq) : null,
    };
  }

  openCount(): Promise<number> {
    return this.history.countOpenConflicts();
  }

  async get(id: string): Promise<ConflictDetail> {
    const row = await this.history.findConflict(assertUuid(id));
    if (!row) throw problem('conflict.not_found');
    const [winner, loser] = await this.history.transaction(async (tx) => [
      await this.history.version(tx, row.observation_id, row.winner_version),
      await this.history.version(tx, row.observation_id, row.loser_version),
    ]);
    return {
      ...toConflict(row),
      winner_version: winner ? toVersion(winner) : null,
      loser_version: loser ? toVersion(loser) : null,
    };
  }

  /**
   * Keeping the winner only closes the conflict. Keeping the loser writes its content as a new version, so every
   * device pulls it; both in one transaction with the conflict row locked, so it is resolved once.
   */
  async resolve(id: string, keep: ConflictSide, username: string): Promise<Conflict> {
    const row = await this.history.transaction(async (tx) => {
      const conflict = await this.history.findConflict(assertUuid(id), tx, true);
      if (!conflict) throw problem('conflict.not_found');
      if (conflict.resolved_at) throw problem('conflict.already_resolved');
      let version: bigint | null = null;
      if (keep === 'loser') {
        const loser = await this.history.version(tx, conflict.observation_id, conflict.loser_version);
        if (!loser) throw problem('conflict.version_gone');
        version =
          (await this.history.writeVersion(tx, conflict.observation_id, loser, {
            username,
            clientId: SERVER_CLIENT_ID,
          })) ?? null;
        if (version === null) throw problem('observation.removed');
      }
      return this.history.markResolved(tx, conflict.id, { keep, by: username, version });
    });
    return toConflict(row);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** An id that is not a UUID names no conflict (and must not reach the uuid cast). */
function assertUuid(id: string): string {
  if (!UUID.test(id)) throw problem('conflict.not_found');
  return id;
}
