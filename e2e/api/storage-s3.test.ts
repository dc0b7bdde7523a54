import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleForm, bundleZip, fileForm } from '../support/bundles';
import { startTestS3, type TestS3 } from '../support/s3';
import { readZip } from '../support/zip';
import { createTestApp, getDb, type TestApp } from '../support/app';
import { S3FileStore } from '@/server/storage/s3-file-store';

/**
 * The attachment and app-bundle APIs with SYNKRONUS_STORAGE=s3, on a loopback S3-compatible server: what
 * attachments.test.ts and bundles.test.ts check on disk, checked here in the bucket.
 */

const PREFIX = 'tenant-a';
let s3: TestS3;
let app: TestApp;
let bucket: S3FileStore;
let admin: string;
let writer: string;

beforeAll(async () => {
  s3 = await startTestS3();
  app = await createTestApp({ ...s3.env(PREFIX), MAX_VERSIONS_KEPT: '2', SYNKRONUS_IMAGE_COMPRESSION_LEVEL: '10' });
  bucket = new S3FileStore({
    bucket: s3.bucket,
    endpoint: s3.endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    prefix: '',
  });
  admin = await app.adminToken();
  writer = await app.userToken('read-write');
});
afterAll(async () => {
  await app?.close();
  await s3?.stop();
});

async function keys(prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of bucket.list(`${PREFIX}/${prefix}`)) found.push(object.key.slice(PREFIX.length + 1));
  return found;
}

const upload = (id: string, body: FormData | ReadableStream<Uint8Array>, headers?: Record<string, string>) =>
  app.request('PUT', `/api/attachments/${id}`, { token: writer, body, headers });

async function download(id: string, query = ''): Promise<Buffer> {
  const response = await app.request('GET', `/api/attachments/${id}${query}`, { token: writer });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const localStaging = () => {
  const dir = path.join(app.dataDir, 'tmp', 'attachments', '~staging');
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
};

describe('attachments in S3', () => {
  it('stores the upload as an object under the prefix, serves it with its length, and nothing on the local disk', async () => {
    expect((await upload('report.pdf', fileForm('%PDF-1.4 hello'))).status).toBe(200);
    expect(await keys('attachments/')).toEqual(['attachments/report.pdf']);
    expect((await download('report.pdf')).toString()).toBe('%PDF-1.4 hello');
    const head = await app.request('HEAD', '/api/attachments/report.pdf', { token: writer });
    expect(head.headers.get('content-length')).toBe('14');
    expect(fs.existsSync(path.join(app.dataDir, 'attachments', 'report.pdf'))).toBe(false);
    expect(localStaging()).toEqual([]);
  });

  it('answers 409 for an existing id and keeps the first; of two racing uploads exactly one wins', async () => {
    await upload('dup.txt', fileForm('first'));
    const again = await upload('dup.txt', fileForm('second'));
    expect(again.status).toBe(409);
    expect((await download('dup.txt')).toString()).toBe('first');
    const racing = await Promise.all(['a', 'b'].map((fill) => upload('race.txt', fileForm(fill.repeat(200_000)))));
    expect(racing.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = racing[0].status === 200 ? 'a' : 'b';
    expect((await download('race.txt')).toString()).toBe(winner.repeat(200_000));
    const rows = await getDb().attachmentOperation.count({ where: { attachmentId: 'race.txt' } });
    expect(rows).toBe(1);
  });

  it('streams a file of several upload parts both ways unchanged', async () => {
    const content = crypto.randomBytes(18 * 1024 * 1024 + 5);
    expect((await upload('big.bin', fileForm(content))).status).toBe(200);
    expect((await download('big.bin')).equals(content)).toBe(true);
  });

  it('leaves no object when the body is cut mid-upload', async () => {
    const head = Buffer.from('--cut\r\nContent-Disposition: form-data; name="file"; filename="cut.bin"\r\n\r\n');
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(Buffer.concat([head, Buffer.alloc(300_000, 7)])));
      },
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        controller.error(new Error('connection reset'));
      },
    });
    const response = await upload('cut.bin', body, { 'content-type': 'multipart/form-data; boundary=cut' });
    expect(response.status).toBe(400);
    expect(await keys('attachments/cut')).toEqual([]);
    expect((await app.request('GET', '/api/attachments/cut.bin', { token: writer })).status).toBe(404);
    expect(localStaging()).toEqual([]);
  });

  it('runs the image pipeline: the smaller re-encoding is served, the original kept and served on request', async () => {
    const original = await sharp(crypto.randomBytes(200 * 200 * 3), { raw: { width: 200, height: 200, channels: 3 } })
      .jpeg({ quality: 100 })
      .toBuffer();
    expect((await upload('photo.jpg', fileForm(original, 'photo.jpg', 'image/jpeg'))).status).toBe(200);
    const served = await download('photo.jpg');
    expect(served.length).toBeLessThan(original.length);
    expect((await sharp(served).metadata()).format).toBe('jpeg');
    expect((await download('photo.jpg', '?original=true')).equals(original)).toBe(true);
    expect(await keys('attachments_uncompressed/')).toEqual(['attachments_uncompressed/photo.jpg']);
  });

  it('streams the export zip from the bucket, originals preferred', async () => {
    const response = await app.request('GET', '/api/attachments/export-zip', { token: admin });
    expect(response.status).toBe(200);
    const entries = await readZip(Buffer.from(await response.arrayBuffer()));
    expect(entries.map((e) => e.name).sort()).toEqual(['big.bin', 'dup.txt', 'photo.jpg', 'race.txt', 'report.pdf']);
    expect(entries.find((e) => e.name === 'report.pdf')!.data.toString()).toBe('%PDF-1.4 hello');
    expect(entries.find((e) => e.name === 'photo.jpg')!.data.length).toBe(
      (await download('photo.jpg', '?original=1')).length,
    );
  });
});

describe('app bundles in S3', () => {
  const push = async (zip: Buffer) => {
    const { status, body } = await app.json('POST', '/api/app-bundle/push', { token: admin, body: bundleForm(zip) });
    expect(status, JSON.stringify(body)).toBe(200);
    return body.manifest.version as string;
  };

  it('publishes versions as objects with their catalogue in PostgreSQL, nothing on the local disk', async () => {
    expect(await push(await bundleZip({ 'app/index.html': '<html>one</html>' }))).toBe('0001');
    expect(await keys('app-bundle/versions/0001/')).toEqual([
      'app-bundle/versions/0001/APP_INFO.json',
      'app-bundle/versions/0001/app/index.html',
      'app-bundle/versions/0001/bundle.zip',
      'app-bundle/versions/0001/forms/person/schema.json',
      'app-bundle/versions/0001/forms/person/ui.json',
    ]);
    expect(fs.existsSync(path.join(app.dataDir, 'app-bundle', 'versions'))).toBe(false);
    expect(fs.readdirSync(path.join(app.dataDir, 'app-bundle', 'staging'))).toEqual([]);
    expect((await app.json('GET', '/api/app-bundle/manifest', { token: admin })).status).toBe(404);
  });

  it('switches, serves the manifest with a stable ETag, files with 304 and the zip by range', async () => {
    const zip = await bundleZip({ 'app/index.html': '<html>two</html>' });
    const version = await push(zip);
    expect((await app.json('POST', `/api/app-bundle/switch/${version}`, { token: admin })).status).toBe(200);
    const manifest = await app.json('GET', '/api/app-bundle/manifest', { token: admin });
    expect(manifest.body.version).toBe('0002');
    expect((await app.json('GET', '/api/app-bundle/manifest', { token: admin })).headers.get('etag')).toBe(
      manifest.headers.get('etag'),
    );
    const file = await app.request('GET', '/api/app-bundle/download/app/index.html', { token: admin });
    expect(await file.text()).toBe('<html>two</html>');
    const etag = file.headers.get('etag')!;
    expect(
      (
        await app.request('GET', '/api/app-bundle/download/app/index.html', {
          token: admin,
          headers: { 'if-none-match': etag },
        })
      ).status,
    ).toBe(304);
    expect((await app.request('GET', '/api/app-bundle/download/app/missing.js', { token: admin })).status).toBe(404);
    const whole = await app.request('GET', '/api/app-bundle/download-zip', { token: admin });
    expect(Buffer.from(await whole.arrayBuffer()).equals(zip)).toBe(true);
    const ranged = await app.request('GET', '/api/app-bundle/download-zip', {
      token: admin,
      headers: { range: 'bytes=10-29' },
    });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get('content-range')).toBe(`bytes 10-29/${zip.length}`);
    expect(Buffer.from(await ranged.arrayBuffer()).equals(zip.subarray(10, 30))).toBe(true);
    expect((await app.json('GET', '/api/app-bundle/versions', { token: admin })).body.versions).toEqual([
      '0002 *',
      '0001',
    ]);
  });

  it('prunes past MAX_VERSIONS_KEPT, objects included, and never the active version', async () => {
    expect((await app.json('POST', '/api/app-bundle/switch/0001', { token: admin })).status).toBe(200);
    await push(await bundleZip({ 'app/index.html': '<html>three</html>' }));
    await push(await bundleZip({ 'app/index.html': '<html>four</html>' }));
    expect((await app.json('GET', '/api/app-bundle/versions', { token: admin })).body.versions).toEqual([
      '0004',
      '0003',
      '0001 *',
    ]);
    expect(await keys('app-bundle/versions/0002/')).toEqual([]);
    expect((await app.request('GET', '/api/app-bundle/download/app/index.html', { token: admin })).status).toBe(200);
  });
});

describe('repository reset with S3', () => {
  it('empties both attachment prefixes and leaves app bundles alone', async () => {
    const { status } = await app.json('POST', '/api/admin/repository/reset', {
      token: admin,
      body: { confirm: 'RESET_REPOSITORY' },
    });
    expect(status).toBe(200);
    expect(await keys('attachments')).toEqual([]);
    expect((await keys('app-bundle/')).length).toBeGreaterThan(0);
    expect((await app.request('GET', '/api/attachments/report.pdf', { token: writer })).status).toBe(404);
  });
});
