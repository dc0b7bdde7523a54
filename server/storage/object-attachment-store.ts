import fs from 'node:fs';
import path from 'node:path';
import type { AttachmentId } from '@/server/domain/attachments';
import {
  AttachmentExistsError,
  FileAttachmentStore,
  type AttachmentStore,
  type StagedFile,
  type StoredFile,
  type StoredFileInfo,
} from '@/server/storage/attachment-store';
import { ObjectExistsError, type FileStore } from '@/server/storage/file-store';

export const SERVED_PREFIX = 'attachments/';
export const ORIGINAL_PREFIX = 'attachments_uncompressed/';

/**
 * Attachments in a shared FileStore (S3): the same two areas as on disk, as key prefixes. Staging stays on the
 * local disk of the instance receiving the upload (the image pipeline works on files); publishing uploads the
 * staged copies. The served copy is the commit point: it is written last and exclusively, and the original is
 * only served next to it, so an upload cut anywhere leaves nothing a client can fetch.
 */
export class ObjectAttachmentStore implements AttachmentStore {
  private readonly staging: FileAttachmentStore;

  constructor(
    private readonly store: FileStore,
    stagingRoot: string,
  ) {
    this.staging = new FileAttachmentStore(stagingRoot, stagingRoot);
  }

  stage(source: AsyncIterable<Uint8Array>): Promise<StagedFile> {
    return this.staging.stage(source);
  }

  stageOutput(write: (path: string) => Promise<void>): Promise<StagedFile> {
    return this.staging.stageOutput(write);
  }

  /**
   * Callers serialise publishes of one id (AttachmentService holds a database lock), so an original left by a
   * cut upload, whose served copy never arrived, may be overwritten.
   */
  async publish(id: AttachmentId, copies: { served: StagedFile; original?: StagedFile }): Promise<void> {
    if (await this.store.stat(SERVED_PREFIX + id)) throw new AttachmentExistsError();
    if (copies.original) await this.store.put(ORIGINAL_PREFIX + id, fs.createReadStream(copies.original.path));
    try {
      await this.store.put(SERVED_PREFIX + id, fs.createReadStream(copies.served.path), { exclusive: true });
    } catch (err) {
      if (copies.original) await this.store.remove(ORIGINAL_PREFIX + id);
      throw err instanceof ObjectExistsError ? new AttachmentExistsError() : err;
    }
  }

  async remove(id: AttachmentId): Promise<void> {
    await this.store.remove(SERVED_PREFIX + id);
    await this.store.remove(ORIGINAL_PREFIX + id);
  }

  async open(id: AttachmentId, preferOriginal: boolean): Promise<StoredFile | undefined> {
    if (preferOriginal && (await this.store.stat(SERVED_PREFIX + id))) {
      const original = await this.store.read(ORIGINAL_PREFIX + id);
      if (original) return original;
    }
    return this.store.read(SERVED_PREFIX + id);
  }

  async stat(id: AttachmentId, preferOriginal: boolean): Promise<StoredFileInfo | undefined> {
    const served = await this.store.stat(SERVED_PREFIX + id);
    if (!served || !preferOriginal) return served;
    return (await this.store.stat(ORIGINAL_PREFIX + id)) ?? served;
  }
}

export function attachmentStagingRoot(tempDir: string): string {
  return path.join(tempDir, 'attachments');
}
