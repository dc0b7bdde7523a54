import type http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/**
 * The REST API's handlers take a web Request and answer a web Response; this is the conversion at the socket, for
 * the routes the Node server serves itself (server/http/node-server.ts).
 */

const BODYLESS_METHODS = new Set(['GET', 'HEAD']);
/** What the body stream buffers before it pauses the socket. */
const BODY_HIGH_WATER_MARK = 64 * 1024;

export function toWebRequest(req: http.IncomingMessage, res: http.ServerResponse): Request {
  const method = req.method ?? 'GET';
  const aborted = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) aborted.abort();
  });
  // From `req.headers`, not the raw ones: the server has replaced a client-sent peer address there.
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (typeof value === 'string') headers.set(name, value);
    else value?.forEach((each) => headers.append(name, each));
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: aborted.signal };
  if (!BODYLESS_METHODS.has(method)) {
    init.body = bodyStream(req);
    init.duplex = 'half';
  }
  return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, init);
}

/**
 * The request body as a web stream that reads as its consumer does. Cancelling it (a refusal before the body was
 * read) only stops reading: destroying the request would close the socket before the refusal is written; the
 * server closes the connection after that answer instead.
 */
function bodyStream(req: http.IncomingMessage): ReadableStream<Uint8Array> {
  let settled = false;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        req.on('data', (chunk: Buffer) => {
          if (settled) return;
          controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength));
          if ((controller.desiredSize ?? 0) <= 0) req.pause();
        });
        req.once('end', () => {
          if (settled) return;
          settled = true;
          controller.close();
        });
        const fail = (err: Error) => {
          if (settled) return;
          settled = true;
          controller.error(err);
        };
        req.once('error', fail);
        req.once('close', () => {
          if (!req.complete) fail(new Error('the client closed the connection before its body was complete'));
        });
      },
      pull() {
        req.resume();
      },
      cancel() {
        settled = true;
        req.pause();
      },
    },
    { highWaterMark: BODY_HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );
}

/**
 * Writes the Response out with backpressure; a client that goes away cancels the body's source. A body that is one
 * chunk (every JSON answer) goes out in one write with its Content-Length instead of chunked.
 */
export async function sendWebResponse(res: http.ServerResponse, response: Response): Promise<void> {
  res.statusCode = response.status;
  for (const [name, value] of response.headers) if (name !== 'set-cookie') res.setHeader(name, value);
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  if (!response.body) return void res.end();
  const reader = response.body.getReader();
  const first = await reader.read();
  const second = first.done ? first : await reader.read();
  if (second.done) {
    if (first.value && !res.hasHeader('content-length')) res.setHeader('content-length', first.value.byteLength);
    return void res.end(first.value);
  }
  reader.releaseLock();
  res.write(first.value);
  res.write(second.value);
  await pipeline(Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>), res).catch((err: Error) => {
    if (!res.destroyed) res.destroy(err);
  });
}
