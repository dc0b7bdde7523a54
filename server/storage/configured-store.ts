import { getConfig } from '@/server/config';
import { DiskFileStore } from '@/server/storage/disk-file-store';
import type { FileStore } from '@/server/storage/file-store';
import { dataPaths } from '@/server/storage/paths';
import { S3FileStore } from '@/server/storage/s3-file-store';

const holder = globalThis as unknown as { __synkronusFileStore?: { signature: string; store: FileStore } };

/** The configured store, one per process (and per configuration, which tests change between files). */
export function fileStore(): FileStore {
  const config = getConfig();
  const signature = JSON.stringify([config.storage, config.dataDir]);
  if (holder.__synkronusFileStore?.signature !== signature) {
    const store =
      config.storage.kind === 's3' ? new S3FileStore(config.storage.s3) : new DiskFileStore(dataPaths().root);
    holder.__synkronusFileStore = { signature, store };
  }
  return holder.__synkronusFileStore.store;
}
