import { getDb, type Db } from '@/server/db/client';

export interface PresenceEvent {
  username: string;
  clientId: string;
  seenAt: Date;
  lastDataVersion?: bigint | number | null;
  appBundleVersion?: string | null;
  odeVersion?: string | null;
}

export class PresenceRepository {
  constructor(private readonly db: Db = getDb()) {}

  /**
   * The merge upsert of upstream, for many clients in one statement (at most one event per user and client):
   * last_seen_at only moves forward, and a column an event does not carry keeps its stored value. Events of users
   * deleted meanwhile are skipped (their rows went with the user). Presence is safe to lose, so its commit does not
   * wait for the disk.
   */
  async upsertMany(events: PresenceEvent[]): Promise<void> {
    if (events.length === 0) return;
    const column = <T>(value: (event: PresenceEvent) => T) => events.map(value);
    await this.db.$transaction([
      this.db.$executeRaw`SET LOCAL synchronous_commit TO off`,
      this.db.$executeRaw`
      INSERT INTO user_client_presence
        (username, client_id, last_seen_at, last_data_version, app_bundle_version, last_ode_version)
      SELECT e.username, e.client_id, e.seen_at::timestamptz, e.data_version::bigint, e.bundle, e.ode
      FROM unnest(
        ${column((e) => e.username)}::text[],
        ${column((e) => e.clientId)}::text[],
        ${column((e) => e.seenAt.toISOString())}::text[],
        ${column((e) => (e.lastDataVersion === undefined || e.lastDataVersion === null ? null : String(e.lastDataVersion)))}::text[],
        ${column((e) => e.appBundleVersion ?? null)}::text[],
        ${column((e) => e.odeVersion ?? null)}::text[]
      ) AS e(username, client_id, seen_at, data_version, bundle, ode)
      WHERE EXISTS (SELECT 1 FROM users WHERE users.username = e.username)
      ON CONFLICT (username, client_id) DO UPDATE SET
        last_seen_at       = GREATEST(user_client_presence.last_seen_at, EXCLUDED.last_seen_at),
        last_data_version  = COALESCE(EXCLUDED.last_data_version, user_client_presence.last_data_version),
        app_bundle_version = COALESCE(EXCLUDED.app_bundle_version, user_client_presence.app_bundle_version),
        last_ode_version   = COALESCE(EXCLUDED.last_ode_version, user_client_presence.last_ode_version)`,
    ]);
  }
}
