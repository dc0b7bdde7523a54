import fs from 'node:fs/promises';
import { fileStore } from '@/server/storage/configured-store';
import { ORIGINAL_PREFIX, SERVED_PREFIX } from '@/server/storage/object-attachment-store';
import { dataPaths } from '@/server/storage/paths';

/**
 * After a repository reset: both attachment areas are emptied — the two folders removed and made anew, or every
 * object under the two prefixes deleted from the shared store. The new generation itself is in the database,
 * so every instance sees it at once.
 */
export async function emptyAttachmentFolders(): Promise<void> {
  const store = fileStore();
  if (store.kind === 's3') {
    for (const prefix of [SERVED_PREFIX, ORIGINAL_PREFIX]) await store.removeAll(prefix);
    return;
  }
  const { attachments, attachmentsUncompressed } = dataPaths();
  for (const folder of [attachments, attachmentsUncompressed]) {
    await fs.rm(folder, { recursive: true, force: true });
    await fs.mkdir(folder, { recursive: true });
  }
}
