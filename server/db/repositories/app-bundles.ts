import { getDb, type Db } from '@/server/db/client';
import type { AppBundleFile } from '@/server/wire/bundles';

/**
 * The catalogue of app bundle versions kept in the shared object store: one row per published version (its
 * file listing) and the active one. Writers hold the app-bundle lock (numbering, switch, prune).
 */

export interface StoredBundleFile extends AppBundleFile {
  /** The uploaded zip rather than a file of the bundle. */
  zip?: boolean;
}

export interface CatalogueVersion {
  version: number;
  createdAt: Date;
  files: StoredBundleFile[];
}

export class AppBundleRepository {
  constructor(private readonly db: Db = getDb()) {}

  async versionNumbers(): Promise<number[]> {
    const rows = await this.db.appBundleVersion.findMany({ select: { version: true }, orderBy: { version: 'desc' } });
    return rows.map((row) => row.version);
  }

  async find(version: number): Promise<CatalogueVersion | undefined> {
    const row = await this.db.appBundleVersion.findUnique({ where: { version } });
    return row
      ? { version: row.version, createdAt: row.createdAt, files: row.files as unknown as StoredBundleFile[] }
      : undefined;
  }

  async createdAt(version: number): Promise<Date | undefined> {
    const row = await this.db.appBundleVersion.findUnique({ where: { version }, select: { createdAt: true } });
    return row?.createdAt;
  }

  async active(): Promise<{ version: number; activatedAt: Date } | undefined> {
    const row = await this.db.appBundleState.findUnique({ where: { id: 1 } });
    return row?.activeVersion != null && row.activatedAt
      ? { version: row.activeVersion, activatedAt: row.activatedAt }
      : undefined;
  }

  async nextVersion(): Promise<number> {
    const newest = await this.db.appBundleVersion.aggregate({ _max: { version: true } });
    return (newest._max.version ?? 0) + 1;
  }

  async insert(version: number, files: StoredBundleFile[]): Promise<void> {
    await this.db.appBundleVersion.create({ data: { version, files: files as unknown as object[] } });
  }

  async activate(version: number): Promise<void> {
    await this.db.$executeRaw`
      INSERT INTO app_bundle_state (id, active_version, activated_at) VALUES (1, ${version}, now())
      ON CONFLICT (id) DO UPDATE SET active_version = EXCLUDED.active_version, activated_at = EXCLUDED.activated_at`;
  }

  async remove(version: number): Promise<void> {
    await this.db.appBundleVersion.delete({ where: { version } });
  }
}
