import { Readable } from 'node:stream';
import { makeZip } from 'client-zip';
import { AppError } from '@/server/errors';
import { logger } from '@/server/logger';

export interface ZipEntry {
  /** The path inside the zip. */
  name: string;
  /** The file's bytes when they are at hand (a small file), else a stream of them. */
  content: Uint8Array | Readable;
  date?: Date;
}

/** A Node stream as a Response body; Node's toWeb keeps the backpressure (it reads only as the client does). */
export function toWebStream(readable: Readable): ReadableStream<Uint8Array> {
  return Readable.toWeb(readable) as unknown as ReadableStream<Uint8Array>;
}

/**
 * The zip writer hands out a header, a name, the data and a descriptor per entry: tiny pieces that, written one by
 * one, would cost a read and a socket write each. They leave in chunks of about this size.
 */
const CHUNK_BYTES = 64 * 1024;

/**
 * A stored (not deflated) zip written entry by entry as the client reads it, by client-zip: it pulls the next entry
 * only when the client wants more bytes, and costs microseconds per entry where archiver cost milliseconds.
 * A failure before the first entry throws (the gate answers 500 JSON); after that the stream is errored, so the client
 * sees a cut transfer, never a complete-looking zip.
 */
export async function zipResponse(entries: AsyncGenerator<ZipEntry>, options: { filename: string }): Promise<Response> {
  const first = await entries.next();
  let current: Readable | undefined;
  let stopped = false;

  async function* inputs() {
    for (let next = first; !next.done; next = await entries.next()) {
      const { name, content, date } = next.value;
      current = content instanceof Readable ? content : undefined;
      // 0644 as archiver wrote them (client-zip's default is 0664).
      yield { name, input: content, lastModified: date, mode: 0o644 };
    }
    current = undefined;
  }
  const zip = makeZip(inputs(), { buffersAreUTF8: true }).getReader();

  // The zip writer does not close its source when it fails or is cancelled: the open entry and the generator are
  // closed here (not awaited: a generator waiting for its entry to be consumed would never answer).
  const stop = () => {
    if (stopped) return;
    stopped = true;
    current?.destroy();
    entries.return(undefined).catch(() => undefined);
  };

  const body = new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        try {
          const parts: Uint8Array[] = [];
          let size = 0;
          while (size < CHUNK_BYTES) {
            const part = await zip.read();
            if (part.done) {
              stopped = true;
              if (size > 0) controller.enqueue(Buffer.concat(parts, size));
              controller.close();
              return;
            }
            parts.push(part.value);
            size += part.value.byteLength;
          }
          controller.enqueue(parts.length === 1 ? parts[0] : Buffer.concat(parts, size));
        } catch (err) {
          logger.error('zip export aborted mid-stream', {
            file: options.filename,
            error: err instanceof AppError ? err.error : (err as Error).message,
          });
          stop();
          controller.error(err);
        }
      },
      async cancel(reason) {
        stop();
        await zip.cancel(reason).catch(() => undefined);
      },
    },
    { highWaterMark: 0 },
  );
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'application/zip', 'Content-Disposition': `attachment; filename="${options.filename}"` },
  });
}
