import { getDb, type Db } from '@/server/db/client';

/** What the server reports about its database. */
export class SystemRepository {
  constructor(private readonly db: Db = getDb()) {}

  /** A round trip: rejects when the database does not answer. */
  async ping(): Promise<void> {
    await this.db.$queryRaw`SELECT 1`;
  }

  async databaseInfo(): Promise<{ version: string; databaseName: string }> {
    const [row] = await this.db.$queryRaw<Array<{ version: string; database_name: string }>>`
      SELECT version() AS version, current_database() AS database_name`;
    return { version: row.version, databaseName: row.database_name };
  }
}
