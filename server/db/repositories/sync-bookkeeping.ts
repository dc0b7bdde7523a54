import { getDb, type Db } from '@/server/db/client';

/**
 * What sync remembers about its clients: the answers of past pushes (push_transmissions, so that a replayed
 * transmission gets the first answer) and how far each client has pulled (client_sync_state, its watermark).
 */
export class SyncBookkeepingRepository {
  constructor(private readonly db: Db = getDb()) {}

  async pruneTransmissions(olderThan: Date): Promise<number> {
    return (await this.db.pushTransmission.deleteMany({ where: { createdAt: { lt: olderThan } } })).count;
  }

  async setWatermark(clientId: string, version: number | bigint): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO client_sync_state (client_id, last_pulled_version) VALUES (${clientId}, ${BigInt(version)})
      ON CONFLICT (client_id) DO UPDATE SET last_pulled_version = EXCLUDED.last_pulled_version, updated_at = now()`;
  }
}
