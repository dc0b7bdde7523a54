import { getConfig } from '@/server/config';
import { DiskFileStore } from '@/server/storage/disk-file-store';
import type { FileStore } from '@/server/storage/file-store';
import { dataPaths } from '@/server/storage/paths';
import { S3FileStore } from '@/server/storage/s3-file-store';

let configured: { signature: string; store: FileStore } | undefined;

/**
 * The configured store, one per module copy (README, "One process, two module copies": its errors are classes of
 * that copy) and per configuration, which tests change between files.
 */
export function fileStore(): FileStore {
  const config = getConfig();
  const signature = JSON.stringify([config.storage, config.dataDir]);
  if (configured?.signature !== signature) {
    const store =
      config.storage.kind === 's3' ? new S3FileStore(config.storage.s3) : new DiskFileStore(dataPaths().root);
    configured = { signature, store };
  }
  return configured.store;
}
