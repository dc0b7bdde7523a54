import fs from 'node:fs/promises';
import { dataPaths } from '@/server/storage/paths';

/** After a repository reset: both attachment folders are removed and made anew, empty. */
export async function emptyAttachmentFolders(): Promise<void> {
  const { attachments, attachmentsUncompressed } = dataPaths();
  for (const folder of [attachments, attachmentsUncompressed]) {
    await fs.rm(folder, { recursive: true, force: true });
    await fs.mkdir(folder, { recursive: true });
  }
}
