import os from 'node:os';
import { SystemRepository } from '@/server/db/repositories/system';
import { getConfig } from '@/server/config';

export interface HealthReport {
  ok: boolean;
  error?: string;
  timestamp: string;
  version: string;
}

const HEALTH_TIMEOUT_MS = 3_000;

export class SystemService {
  constructor(private readonly system = new SystemRepository()) {}

  async health(): Promise<HealthReport> {
    const timestamp = new Date().toISOString();
    const version = getConfig().serverVersion;
    try {
      await Promise.race([
        this.system.ping(),
        new Promise((_, reject) =>
          setTimeout(() => reject(new Error('database did not answer in time')), HEALTH_TIMEOUT_MS).unref(),
        ),
      ]);
      return { ok: true, timestamp, version };
    } catch (err) {
      return { ok: false, error: `database unavailable: ${(err as Error).message.split('\n')[0]}`, timestamp, version };
    }
  }

  /** `GET /api/version`: every key present, as clients print them. */
  async versionInfo() {
    const database = await this.system.databaseInfo();
    return {
      server: { version: getConfig().serverVersion },
      database: { type: 'postgresql', version: database.version, database_name: database.databaseName },
      system: { os: process.platform, architecture: os.arch() === 'x64' ? 'amd64' : os.arch(), cpus: os.cpus().length },
      build: {
        commit: getConfig().build.commit,
        build_time: getConfig().build.time,
        go_version: `node ${process.version}`,
      },
    };
  }

  apiVersions() {
    const current = getConfig().serverVersion;
    return { versions: [{ version: current, releaseDate: '2025-01-01', deprecated: false }], current };
  }
}
