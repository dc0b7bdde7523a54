import { problem } from '@/server/problems';
import { AttachmentOperationsRepository } from '@/server/db/repositories/attachment-operations';
import { isAttachmentId } from '@/server/services/attachments/ids';
import { attachmentStore, type AttachmentStore, type StoredFile } from '@/server/storage/attachment-store';

/**
 * The attachment export (api-contract §4.6): every attachment whose latest operation is create/update, in id
 * order, as the original when one was kept, else the served copy. Ids are read page by page and each file is
 * opened only when its turn comes, so memory and open files stay constant however many there are.
 */

export interface ExportEntry {
  /** The path inside the zip. */
  name: string;
  file: StoredFile;
}

const PAGE_SIZE = 500;

/** Ids are validated (no `\`, no leading `/`), so only `..` inside a segment is left to neutralise. */
export function zipEntryName(id: string): string {
  return id.includes('..') ? id.replaceAll('/', '_') : id;
}

export async function* attachmentExportEntries(
  store: AttachmentStore = attachmentStore(),
  operations = new AttachmentOperationsRepository(),
): AsyncGenerator<ExportEntry> {
  let afterId = '';
  for (;;) {
    const page = await operations.latestOperationPerId(afterId, PAGE_SIZE);
    for (const { attachmentId, operation } of page) {
      if (operation === 'delete') continue;
      const file = isAttachmentId(attachmentId) ? await store.open(attachmentId, true) : undefined;
      if (!file) throw problem('attachment.export_file_missing', { attachmentId });
      yield { name: zipEntryName(attachmentId), file };
    }
    if (page.length < PAGE_SIZE) return;
    afterId = page[page.length - 1].attachmentId;
  }
}
