import { Readable } from 'node:stream';
import archiver, { type Archiver } from 'archiver';
import { AppError } from '@/server/errors';
import { logger } from '@/server/logger';

export interface ZipEntry {
  /** The path inside the zip. */
  name: string;
  stream: Readable;
  date?: Date;
}

/** A Node stream as a Response body; Node's toWeb keeps the backpressure (it reads only as the client does). */
export function toWebStream(readable: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(readable) as unknown as ReadableStream<Uint8Array>;
}

/**
 * A zip written entry by entry as the client reads it. A failure before the first entry throws (the gate answers
 * 500 JSON); after that the stream is destroyed, so the client sees a cut transfer, never a complete-looking zip.
 */
export async function zipResponse(
  entries: AsyncGenerator<ZipEntry>,
  options: { filename: string; compress: boolean },
): Promise<Response> {
  const first = await entries.next();
  const archive = archiver('zip', options.compress ? { zlib: { level: 6 } } : { store: true });
  archive.on('error', (err) =>
    logger.error('zip export aborted mid-stream', {
      file: options.filename,
      error: err instanceof AppError ? err.error : err.message,
    }),
  );
  void writeEntries(archive, first, entries);
  return new Response(toWebStream(archive), {
    status: 200,
    headers: { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${options.filename}"` },
  });
}

async function writeEntries(
  archive: Archiver,
  first: IteratorResult<ZipEntry>,
  rest: AsyncGenerator<ZipEntry>,
): Promise<void> {
  let current: Readable | undefined;
  try {
    for (let next = first; !next.done; next = await rest.next()) {
      current = next.value.stream;
      archive.append(current, { name: next.value.name, date: next.value.date });
      await entryWritten(archive, current);
    }
    await archive.finalize();
  } catch (err) {
    current?.destroy();
    await rest.return(undefined);
    if (!archive.destroyed) archive.destroy(err as Error);
  }
}

/**
 * Resolves when archiver has consumed the appended entry; rejects if the entry's stream fails (archiver pipes it
 * through its own PassThrough, which never hears of the failure and would wait for ever), or if the archive fails or
 * is closed first.
 */
function entryWritten(archive: Archiver, source: Readable): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: Error) => {
      archive.off('entry', onEntry).off('error', done).off('close', onClose);
      source.off('error', done);
      if (err) reject(err);
      else resolve();
    };
    const onEntry = () => done();
    const onClose = () => done(new Error('the archive was closed (client gone)'));
    archive.on('entry', onEntry).on('error', done).on('close', onClose);
    source.on('error', done);
  });
}
