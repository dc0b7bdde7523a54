import type { Readable } from 'node:stream';

/** A file as it arrives: its bytes, read once, and the type the sender declared for it. */
export interface IncomingFile {
  content: Readable;
  declaredType: string | undefined;
}

/**
 * Where an upload's one file comes from (a multipart part). The source calls `receive` with the file when it
 * arrives and resolves with what `receive` resolved with, once the whole request was read. It rejects when the
 * request is malformed, too large or lacks the file; when `receive` had already resolved, the caller cleans up
 * what it made.
 */
export type UploadSource = <T>(receive: (file: IncomingFile) => Promise<T>) => Promise<T>;
