import { limitBytes } from '@/server/byte-limit';
import { getConfig } from '@/server/config';
import { problem } from '@/server/problems';
import { AttachmentOperationsRepository } from '@/server/db/repositories/attachment-operations';
import { RepositoryStateRepository } from '@/server/db/repositories/repository-state';
import { withAdvisoryLock } from '@/server/db/locks';
import { logger } from '@/server/logger';
import { assertGeneration } from '@/server/services/generation';
import { decisionContentType, processImage } from '@/server/services/images';
import type { AttachmentId } from '@/server/domain/attachments';
import { UploadSlots } from '@/server/services/attachments/upload-slots';
import type { UploadSource } from '@/server/services/upload-source';
import {
  attachmentStore,
  AttachmentExistsError,
  type AttachmentStore,
  type StagedFile,
  type StoredFile,
  type StoredFileInfo,
} from '@/server/storage/attachment-store';

/**
 * Attachment upload and download (api-contract §4.1–4.4). An upload is received into staging, then processed
 * (images), published under its id without overwriting anything, and recorded as a `create` operation for
 * every client. A failure at any step leaves no file under the id and no operation.
 */

interface ReceivedUpload {
  file: StagedFile;
  /** The type the sender declared for the file. */
  declaredType: string | undefined;
}

export const uploadTooLarge = () => problem('attachment.too_large');

let uploadSlots: UploadSlots | undefined;

function uploadSlotsOfSize(size: number, perClient: number): UploadSlots {
  if (uploadSlots?.size !== size || uploadSlots.perClientSize !== perClient)
    uploadSlots = new UploadSlots(size, perClient);
  return uploadSlots;
}

/** One upload as the route parsed it. */
export interface AttachmentUpload {
  id: AttachmentId;
  /** Whose share of the upload slots it takes. */
  client: string;
  /** The repository generation the client sent, if it sent one (api-contract §3.6). */
  generation: number | undefined;
  source: UploadSource;
  /** The client going away: ends the wait for an upload slot. */
  signal?: AbortSignal;
}

export class AttachmentService {
  constructor(
    private readonly store: AttachmentStore = attachmentStore(),
    private readonly operations = new AttachmentOperationsRepository(),
    private readonly options = getConfig().attachments,
  ) {}

  /**
   * Takes an upload slot, checks the generation, receives the file into staging, then processes, publishes and
   * records it. Nothing of it remains when any step fails.
   */
  async upload(upload: AttachmentUpload): Promise<void> {
    const release = await this.acquireUploadSlot(upload.client, upload.signal);
    try {
      await this.checkGeneration(upload.generation);
      await this.save(upload.id, await this.receive(upload.source));
    } finally {
      release();
    }
  }

  /**
   * Waits for one of the upload slots, within the client's share of them; 408 when `signal` (the client going
   * away) aborts first.
   */
  private async acquireUploadSlot(client: string, signal?: AbortSignal): Promise<() => void> {
    const { maxConcurrentUploads, maxUploadsPerClient } = this.options;
    try {
      return await uploadSlotsOfSize(maxConcurrentUploads, maxUploadsPerClient).acquire(client, signal);
    } catch {
      throw problem('attachment.upload_cancelled');
    }
  }

  /** Uploads carry the generation in the header only; a client that sends none adopts the server's. */
  private async checkGeneration(client: number | undefined): Promise<void> {
    if (client === undefined) return;
    assertGeneration((await new RepositoryStateRepository().readCounter()).repositoryGeneration, client);
  }

  /**
   * Streams the file into staging; 413 past the configured upload limit. A staged file is removed again when the
   * request turns out bad after it (a second part, a body cut short).
   */
  private async receive(source: UploadSource): Promise<ReceivedUpload> {
    let received: ReceivedUpload | undefined;
    try {
      return await source(async ({ content, declaredType }) => {
        const file = await this.store.stage(limitBytes(this.options.maxUploadBytes, uploadTooLarge)(content));
        received = { file, declaredType };
        return received;
      });
    } catch (err) {
      await received?.file.discard();
      throw err;
    }
  }

  /** Processes, publishes and records a received upload. Its staged files are removed in every case. */
  private async save(id: AttachmentId, upload: ReceivedUpload): Promise<void> {
    let processed: StagedFile | undefined;
    try {
      if (await this.store.stat(id, false)) throw problem('attachment.exists');
      const uploadType = await decisionContentType(upload.declaredType, upload.file.path);
      const image = await processImage(upload.file, uploadType, (write) => this.store.stageOutput(write));
      processed = image?.file;
      // A re-encoding is kept only when it saves bytes; the upload is then kept as the original.
      const smaller = image && image.file.size < upload.file.size ? image : undefined;
      const served = smaller ?? { file: upload.file, contentType: uploadType };
      // One publisher per id across every instance: the 409 rule holds even where the store cannot write
      // conditionally, and a publish plus its record never interleave with another upload of the same id.
      await withAdvisoryLock(`attachment:${id}`, async () => {
        await this.publish(id, { served: served.file, original: smaller && upload.file });
        await this.record(id, served.file.size, served.contentType);
      });
    } finally {
      await upload.file.discard();
      await processed?.discard();
    }
  }

  openForDownload(id: AttachmentId, preferOriginal: boolean): Promise<StoredFile | undefined> {
    return this.store.open(id, preferOriginal);
  }

  statForDownload(id: AttachmentId, preferOriginal: boolean): Promise<StoredFileInfo | undefined> {
    return this.store.stat(id, preferOriginal);
  }

  private async publish(id: AttachmentId, copies: { served: StagedFile; original?: StagedFile }): Promise<void> {
    try {
      await this.store.publish(id, copies);
    } catch (err) {
      throw err instanceof AttachmentExistsError ? problem('attachment.exists') : err;
    }
  }

  /** Without its operation no client would ever learn of the file: a failure takes the files back out. */
  private async record(id: AttachmentId, size: number, contentType: string): Promise<void> {
    try {
      await this.operations.recordCreate(id, size, contentType);
    } catch (err) {
      logger.error('recording the attachment operation failed; removing the files', {
        id,
        error: (err as Error).message,
      });
      await this.store.remove(id);
      throw problem('attachment.register_failed');
    }
  }
}
