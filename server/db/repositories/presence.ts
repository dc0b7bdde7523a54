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
   * The merge upsert of upstream: last_seen_at only moves forward, and a column the event does not carry keeps
   * its stored value. Events of users deleted meanwhile are skipped (their rows went with the user). Presence is
   * safe to lose, so its commit does not wait for the disk (every sync request writes one).
   */
  async upsert(event: PresenceEvent): Promise<void> {
    const dataVersion =
      event.lastDataVersion === undefined || event.lastDataVersion === null ? null : BigInt(event.lastDataVersion);
    await this.db.$transaction([
      this.db.$executeRaw`SET LOCAL synchronous_commit TO off`,
      this.db.$executeRaw`
      INSERT INTO user_client_presence
        (username, client_id, last_seen_at, last_data_version, app_bundle_version, last_ode_version)
      SELECT ${event.username}, ${event.clientId}, ${event.seenAt}, ${dataVersion},
             ${event.appBundleVersion ?? null}, ${event.odeVersion ?? null}
      WHERE EXISTS (SELECT 1 FROM users WHERE username = ${event.username})
      ON CONFLICT (username, client_id) DO UPDATE SET
        last_seen_at       = GREATEST(user_client_presence.last_seen_at, EXCLUDED.last_seen_at),
        last_data_version  = COALESCE(EXCLUDED.last_data_version, user_client_presence.last_data_version),
        app_bundle_version = COALESCE(EXCLUDED.app_bundle_version, user_client_presence.app_bundle_version),
        last_ode_version   = COALESCE(EXCLUDED.last_ode_version, user_client_presence.last_ode_version)`,
    ]);
  }
}
