import path from 'node:path';
import fs from 'node:fs';
import { ConfigError, getConfig, getJwtSecret, adoptEmbeddedDatabase } from '@/server/config';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@/server/db/embedded';
import { migrate } from '@/server/db/migrate';
import { disconnectDb } from '@/server/db/client';
import { UserService } from '@/server/services/users';
import { recoverBundles } from '@/server/services/bundles/service';
import { logger } from '@/server/logger';
import { fileStore } from '@/server/storage/configured-store';
import { StorageUnavailableError } from '@/server/storage/file-store';

export interface PreparedServer {
  databaseUrl: string;
  embedded?: EmbeddedDatabase;
}

/** A missing or unreachable bucket stops the start with its reason, rather than failing uploads later. */
async function checkStorage(): Promise<void> {
  try {
    await fileStore().check();
  } catch (err) {
    if (err instanceof StorageUnavailableError) throw new ConfigError(`storage unavailable: ${err.message}`);
    throw err;
  }
  logger.info('file storage ready', { storage: getConfig().storage.kind });
}

/**
 * Everything that happens before the first request: configuration, the JWT key, the file store, the database
 * (embedded when none is configured), migrations, the bootstrap and recovery admins.
 */
export async function prepareServer(): Promise<PreparedServer> {
  const config = getConfig();
  fs.mkdirSync(config.dataDir, { recursive: true });
  if (config.jwtSecret === undefined) {
    logger.warn(
      'JWT_SECRET is not set: using a generated key stored in the data directory; production must set JWT_SECRET',
      {
        file: path.join(config.dataDir, 'jwt_secret'),
      },
    );
  }
  getJwtSecret();
  await checkStorage();

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    embedded = await startEmbeddedPostgres(path.join(config.dataDir, 'postgres'));
    databaseUrl = embedded.url;
    adoptEmbeddedDatabase(databaseUrl);
    logger.info('embedded PostgreSQL started', { dir: path.join(config.dataDir, 'postgres') });
  }
  try {
    await migrate(databaseUrl);
    await recoverBundles();
    const users = new UserService();
    await users.ensureBootstrapAdmin(config.bootstrapAdmin);
    if (config.recoveryAdmin) await users.applyRecoveryAdmin(config.recoveryAdmin);
    await disconnectDb();
  } catch (err) {
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
  return { databaseUrl, embedded };
}
