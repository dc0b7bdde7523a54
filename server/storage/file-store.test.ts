import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestS3, type TestS3 } from '@/e2e/support/s3';
import { DiskFileStore } from '@/server/storage/disk-file-store';
import { ObjectExistsError, StorageUnavailableError, type FileStore } from '@/server/storage/file-store';
import { S3FileStore } from '@/server/storage/s3-file-store';

/** One contract, both stores: the disk under a temp folder, S3 on a loopback test server. */

let s3: TestS3;
const stores: Record<string, () => FileStore> = {};
beforeAll(async () => {
  s3 = await startTestS3();
  Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'S3RVER', AWS_SECRET_ACCESS_KEY: 'S3RVER' });
  const settings = {
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    prefix: 'unit/',
  };
  stores.disk = () => new DiskFileStore(fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-store-')));
  stores.s3 = () => new S3FileStore({ ...settings, prefix: `unit-${crypto.randomUUID()}/` });
});
afterAll(() => s3?.stop());

/** A body produced chunk by chunk, never as one buffer. */
function chunkedBody(totalBytes: number, seed: number): Readable {
  return Readable.from(
    (function* () {
      for (let sent = 0; sent < totalBytes; sent += 64 * 1024)
        yield Buffer.alloc(Math.min(64 * 1024, totalBytes - sent), (sent / 65536 + seed) % 251);
    })(),
  );
}

async function digest(stream: Readable): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

describe.each(['disk', 's3'])('%s file store', (kind) => {
  it('writes, stats, reads whole and by range, lists in key order and removes', async () => {
    const store = stores[kind]();
    await store.put('a/b/one.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
    await store.put('a/two.txt', Readable.from([Buffer.from('2')]));
    await store.put('c.txt', Readable.from([Buffer.from('3')]));
    expect((await store.stat('a/b/one.txt'))?.size).toBe(11);
    expect(await store.stat('a/b/missing')).toBeUndefined();
    expect(await text((await store.read('a/b/one.txt'))!.stream)).toBe('hello world');
    const ranged = (await store.read('a/b/one.txt', { start: 6, end: 9 }))!;
    expect(ranged.size).toBe(11);
    expect(await text(ranged.stream)).toBe('worl');
    expect(await store.read('nothing/here')).toBeUndefined();
    const listed = [];
    for await (const object of store.list('a/')) listed.push([object.key, object.size]);
    expect(listed).toEqual([
      ['a/b/one.txt', 11],
      ['a/two.txt', 1],
    ]);
    await store.removeAll('a/');
    expect(await store.stat('a/two.txt')).toBeUndefined();
    expect((await store.stat('c.txt'))?.size).toBe(1);
    await store.remove('c.txt');
    expect(await store.stat('c.txt')).toBeUndefined();
  });

  it('streams a file larger than one upload part and reads back the same bytes', async () => {
    const store = stores[kind]();
    const size = 19 * 1024 * 1024 + 123;
    await store.put('big.bin', chunkedBody(size, 7));
    expect((await store.stat('big.bin'))?.size).toBe(size);
    expect(await digest((await store.read('big.bin'))!.stream)).toBe(await digest(chunkedBody(size, 7)));
  });

  it('an exclusive write never replaces an existing object', async () => {
    const store = stores[kind]();
    await store.put('x/id.jpg', Readable.from([Buffer.from('first')]), { exclusive: true });
    await expect(
      store.put('x/id.jpg', Readable.from([Buffer.from('second')]), { exclusive: true }),
    ).rejects.toBeInstanceOf(ObjectExistsError);
    expect(await text((await store.read('x/id.jpg'))!.stream)).toBe('first');
    await store.put('x/id.jpg', Readable.from([Buffer.from('replaced')]));
    expect(await text((await store.read('x/id.jpg'))!.stream)).toBe('replaced');
  });

  it('a failed body leaves no object', async () => {
    const store = stores[kind]();
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(9 * 1024 * 1024, 1);
        throw new Error('client went away');
      })(),
    );
    await expect(store.put('cut.bin', failing)).rejects.toThrow();
    expect(await store.stat('cut.bin')).toBeUndefined();
  });
});

describe('S3 start-up check', () => {
  it('passes for the bucket and names a missing bucket or an unreachable endpoint', async () => {
    const settings = {
      bucket: s3.bucket,
      endpoint: s3.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      prefix: '',
    };
    await expect(new S3FileStore(settings).check()).resolves.toBeUndefined();
    const missing = new S3FileStore({ ...settings, bucket: 'no-such-bucket' }).check();
    await expect(missing).rejects.toBeInstanceOf(StorageUnavailableError);
    await expect(missing).rejects.toThrow(/no-such-bucket.*does not exist/);
    await expect(new S3FileStore({ ...settings, endpoint: 'http://127.0.0.1:1' }).check()).rejects.toThrow(
      /unreachable/,
    );
  });
});
