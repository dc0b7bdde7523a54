import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { limitBytes } from '@/server/byte-limit';

class TooLarge extends Error {}

/** Pipes `chunks` through `limit` and returns the bytes that reached the sink. */
async function passed(chunks: number[], limit: ReturnType<typeof limitBytes>): Promise<number> {
  let received = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      received += chunk.length;
      done();
    },
  });
  await pipeline(Readable.from(chunks.map((size) => Buffer.alloc(size))), limit, sink).catch((err: unknown) => {
    if (!(err instanceof TooLarge)) throw err;
  });
  return received;
}

describe('limitBytes', () => {
  it('passes a stream of exactly the limit and stops one byte over it before the chunk that crosses it', async () => {
    expect(
      await passed(
        [4, 6],
        limitBytes(10, () => new TooLarge()),
      ),
    ).toBe(10);
    expect(
      await passed(
        [4, 6, 1],
        limitBytes(10, () => new TooLarge()),
      ),
    ).toBe(10);
    await expect(
      pipeline(
        Readable.from([Buffer.alloc(11)]),
        limitBytes(10, () => new TooLarge()),
        new Writable(),
      ),
    ).rejects.toBeInstanceOf(TooLarge);
  });

  it('counts the streams one limiter serves together', async () => {
    const shared = limitBytes(10, () => new TooLarge());
    expect(await passed([6], shared)).toBe(6);
    expect(await passed([3, 2], shared)).toBe(3);
  });
});
