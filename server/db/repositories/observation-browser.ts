import { getDb, type Db } from '@/server/db/client';
import { Prisma } from '@/server/db/generated/client';

export interface BrowserFilter {
  formType?: string;
  search?: string;
  includeDeleted: boolean;
}

export interface BrowserRow {
  observationId: string;
  formType: string;
  formVersion: string;
  createdAt: Date;
  updatedAt: Date;
  deleted: boolean;
  version: bigint;
  author: string | null;
  deviceId: string | null;
}

export interface MapPoint {
  id: string;
  lat: number;
  lon: number;
}

/** LIKE's wildcards in a search text match themselves. */
const likeContains = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

function whereClause(filter: BrowserFilter): Prisma.Sql {
  const conditions = [Prisma.sql`TRUE`];
  if (filter.formType !== undefined) conditions.push(Prisma.sql`form_type = ${filter.formType}`);
  if (filter.search) conditions.push(Prisma.sql`observation_id ILIKE ${likeContains(filter.search)}`);
  if (!filter.includeDeleted) conditions.push(Prisma.sql`deleted = false`);
  return Prisma.join(conditions, ' AND ');
}

/**
 * The console's observation browser: pages newest change first (the version every write takes from the change
 * counter, so rows of one push keep the order they were written in), map points under the same filter, and the
 * change counter the console watches for live updates.
 */
export class ObservationBrowserRepository {
  constructor(private readonly db: Db = getDb()) {}

  async page(
    filter: BrowserFilter,
    page: { skip: number; take: number },
  ): Promise<{ items: BrowserRow[]; total: number }> {
    const where = whereClause(filter);
    const [items, [{ total }]] = await Promise.all([
      this.db.$queryRaw<BrowserRow[]>`
        SELECT observation_id AS "observationId", form_type AS "formType", form_version AS "formVersion",
               created_at AS "createdAt", updated_at AS "updatedAt", deleted, version, author, device_id AS "deviceId"
          FROM observations WHERE ${where}
         ORDER BY version DESC, observation_id
         LIMIT ${page.take} OFFSET ${page.skip}`,
      this.db.$queryRaw<Array<{ total: number }>>`SELECT count(*)::int AS total FROM observations WHERE ${where}`,
    ]);
    return { items, total };
  }

  /** Observations with a numeric latitude and longitude in range, newest change first, at most `limit`. */
  mapPoints(filter: BrowserFilter, limit: number): Promise<MapPoint[]> {
    return this.db.$queryRaw<MapPoint[]>`
      SELECT id, lat, lon FROM (
        SELECT observation_id AS id, version,
               (geolocation->>'latitude')::float8 AS lat, (geolocation->>'longitude')::float8 AS lon
          FROM observations
         WHERE ${whereClause(filter)}
           AND jsonb_typeof(geolocation->'latitude') = 'number' AND jsonb_typeof(geolocation->'longitude') = 'number'
      ) located
      WHERE lat BETWEEN -90 AND 90 AND lon BETWEEN -180 AND 180
      ORDER BY version DESC
      LIMIT ${limit}`;
  }
}
