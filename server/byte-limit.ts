/**
 * The one cap on bytes passing through a stream: a pipeline step (`pipeline(source, limitBytes(max, tooLarge),
 * sink)`) that passes chunks on and throws `tooLarge()` as soon as more than `limit` bytes went by. A limiter
 * used for several streams in turn counts them together (the entries of one zip share one budget).
 */
export function limitBytes(limit: number, tooLarge: () => Error) {
  let total = 0;
  return async function* (chunks: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for await (const chunk of chunks) {
      total += chunk.byteLength;
      if (total > limit) throw tooLarge();
      yield chunk;
    }
  };
}
