import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfig } from '@/server/config';
import { jpegQuality, pngCompressionLevel } from '@/server/services/images';
import { createTestApp, getDb, type TestApp } from '../support/app';

let app: TestApp;
let writer: string;

beforeAll(async () => {
  app = await createTestApp();
  writer = await app.userToken('read-write');
});
afterAll(() => app.close());

const IMAGE_SETTINGS = [
  'SYNKRONUS_IMAGE_COMPRESSION_LEVEL',
  'SYNKRONUS_IMAGE_MAX_WIDTH_PX',
  'SYNKRONUS_IMAGE_MAX_HEIGHT_PX',
  'SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION',
  'SYNKRONUS_MAX_DECODED_IMAGE_PIXELS',
];

/** Image settings for the next uploads; everything not named is back to its default. */
function configure(settings: Record<string, string>): void {
  for (const key of IMAGE_SETTINGS) delete process.env[key];
  Object.assign(process.env, settings);
  resetConfig();
}

beforeEach(() => configure({}));

function upload(id: string, data: Buffer, type: string) {
  const form = new FormData();
  form.append('file', new Blob([new Uint8Array(data)], { type }), id);
  return app.json('PUT', `/api/attachments/${id}`, { token: writer, body: form });
}

const served = (id: string) => fs.readFileSync(path.join(app.dataDir, 'attachments', id));
const originalPath = (id: string) => path.join(app.dataDir, 'attachments_uncompressed', id);

async function download(id: string, query = ''): Promise<Buffer> {
  const response = await app.request('GET', `/api/attachments/${id}${query}`, { token: writer });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

/** Random pixels: an image that compresses badly, so re-encoding it at a lower quality saves bytes. */
function noise(width: number, height: number) {
  return sharp(crypto.randomBytes(width * height * 3), { raw: { width, height, channels: 3 } });
}

async function recorded(id: string) {
  const [row] = await getDb().$queryRaw<Array<{ size: number; content_type: string }>>`
    SELECT size, content_type FROM attachment_operations WHERE attachment_id = ${id}`;
  return row;
}

describe('quality ladder', () => {
  it('maps level 0..10 to JPEG quality 95..45, strictly decreasing', () => {
    const qualities = Array.from({ length: 11 }, (_, level) => jpegQuality(level));
    expect(qualities[0]).toBe(95);
    expect(qualities[10]).toBe(45);
    for (let level = 1; level <= 10; level++) expect(qualities[level]).toBeLessThan(qualities[level - 1]);
  });

  it("maps levels to the zlib levels of Go's png encoder", () => {
    expect([0, 1, 3, 4, 7, 8, 10].map(pngCompressionLevel)).toEqual([6, 1, 1, 6, 6, 9, 9]);
  });
});

describe('JPEG at compression level 10', () => {
  let original: Buffer;

  beforeAll(async () => {
    configure({ SYNKRONUS_IMAGE_COMPRESSION_LEVEL: '10' });
    original = await noise(256, 256).jpeg({ quality: 100 }).toBuffer();
    expect((await upload('level10.jpg', original, 'image/jpeg')).status).toBe(200);
  });

  it('serves a smaller JPEG re-encoded at quality 45 and keeps the upload as the original', async () => {
    const processed = served('level10.jpg');
    expect(processed.length).toBeLessThan(original.length);
    expect((await sharp(processed).metadata()).format).toBe('jpeg');
    expect(processed.equals(await sharp(original).jpeg({ quality: 45 }).toBuffer())).toBe(true);
    expect(fs.readFileSync(originalPath('level10.jpg')).equals(original)).toBe(true);
    expect(await recorded('level10.jpg')).toEqual({ size: processed.length, content_type: 'image/jpeg' });
  });

  it('serves the original only when ?original= is truthy', async () => {
    expect((await download('level10.jpg')).equals(served('level10.jpg'))).toBe(true);
    for (const query of ['?original=true', '?original=YES', '?original=1', '?original=T', '?original=%20true%20']) {
      expect((await download('level10.jpg', query)).equals(original), query).toBe(true);
    }
    for (const query of ['?original=false', '?original=0', '?original=nope', '?original=']) {
      expect((await download('level10.jpg', query)).equals(served('level10.jpg')), query).toBe(true);
    }
    const head = await app.request('HEAD', '/api/attachments/level10.jpg?original=true', { token: writer });
    expect(head.headers.get('content-length')).toBe(String(original.length));
  });

  it('stores a non-image unchanged without an original; ?original=true falls back to it', async () => {
    const text = Buffer.from('plain text, not an image');
    expect((await upload('notes.txt', text, 'text/plain')).status).toBe(200);
    expect(fs.existsSync(originalPath('notes.txt'))).toBe(false);
    expect((await download('notes.txt', '?original=true')).equals(text)).toBe(true);
  });

  it('stores bytes declared as image/jpeg that are no image unchanged', async () => {
    const junk = crypto.randomBytes(2000);
    expect((await upload('junk.jpg', junk, 'image/jpeg')).status).toBe(200);
    expect(served('junk.jpg').equals(junk)).toBe(true);
    expect(fs.existsSync(originalPath('junk.jpg'))).toBe(false);
  });
});

describe('bounding box', () => {
  it('fits a 400×200 PNG into 100×100 as 100×50 and keeps the original', async () => {
    configure({ SYNKRONUS_IMAGE_MAX_WIDTH_PX: '100', SYNKRONUS_IMAGE_MAX_HEIGHT_PX: '100' });
    const png = await noise(400, 200).png().toBuffer();
    expect((await upload('wide.png', png, 'image/png')).status).toBe(200);
    const metadata = await sharp(served('wide.png')).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 100, 50]);
    expect(fs.readFileSync(originalPath('wide.png')).equals(png)).toBe(true);
    expect((await recorded('wide.png')).content_type).toBe('image/png');
  });

  it('bounds one axis when only that one is set', async () => {
    configure({ SYNKRONUS_IMAGE_MAX_HEIGHT_PX: '50' });
    expect((await upload('tall.png', await noise(100, 200).png().toBuffer(), 'image/png')).status).toBe(200);
    const metadata = await sharp(served('tall.png')).metadata();
    expect([metadata.width, metadata.height]).toEqual([25, 50]);
  });

  it('never enlarges: a smaller image at level 0 stays byte for byte', async () => {
    configure({ SYNKRONUS_IMAGE_MAX_WIDTH_PX: '100', SYNKRONUS_IMAGE_MAX_HEIGHT_PX: '100' });
    const png = await noise(50, 20).png().toBuffer();
    expect((await upload('small.png', png, 'image/png')).status).toBe(200);
    expect(served('small.png').equals(png)).toBe(true);
    expect(fs.existsSync(originalPath('small.png'))).toBe(false);
  });
});

describe('EXIF orientation', () => {
  it('turns a 200×300 JPEG tagged with orientation 6 into 300×200 without the tag', async () => {
    const jpeg = await noise(200, 300).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await upload('rotated.jpg', jpeg, 'image/jpeg')).status).toBe(200);
    const metadata = await sharp(served('rotated.jpg')).metadata();
    expect([metadata.width, metadata.height, metadata.orientation]).toEqual([300, 200, undefined]);
    expect(fs.readFileSync(originalPath('rotated.jpg')).equals(jpeg)).toBe(true);
  });

  it('discards a rotation that would make the file larger', async () => {
    const jpeg = await noise(200, 300).jpeg({ quality: 20 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await upload('grows.jpg', jpeg, 'image/jpeg')).status).toBe(200);
    expect(served('grows.jpg').equals(jpeg)).toBe(true);
    expect(fs.existsSync(originalPath('grows.jpg'))).toBe(false);
    expect(await recorded('grows.jpg')).toEqual({ size: jpeg.length, content_type: 'image/jpeg' });
  });

  it('leaves the tag alone when orientation is disabled and nothing else is asked', async () => {
    configure({ SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION: 'false' });
    const jpeg = await noise(200, 300).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toBuffer();
    expect((await upload('untouched.jpg', jpeg, 'image/jpeg')).status).toBe(200);
    expect(served('untouched.jpg').equals(jpeg)).toBe(true);
  });
});

describe('decoded-size limits', () => {
  const expectRefused = async (id: string, png: Buffer) => {
    const response = await upload(id, png, 'image/png');
    expect(response.status).toBe(413);
    expect(response.body).toEqual({
      error: 'An error occurred',
      message: 'Attachment image exceeds decoded size limit',
    });
    expect(fs.existsSync(path.join(app.dataDir, 'attachments', id))).toBe(false);
    expect(fs.readdirSync(path.join(app.dataDir, 'attachments', '~staging'))).toEqual([]);
    expect(await recorded(id)).toBeUndefined();
  };

  it('refuses a PNG bomb (a 156 kB file of 49 million pixels) with 413 and keeps nothing', async () => {
    const bomb = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#ffffff' } })
      .png({ compressionLevel: 9 })
      .toBuffer();
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expectRefused('bomb.png', bomb);
  });

  it('refuses a side longer than the dimension limit', async () => {
    await expectRefused(
      'strip.png',
      await sharp({ create: { width: 20000, height: 10, channels: 3, background: '#000000' } })
        .png()
        .toBuffer(),
    );
  });

  it('applies a configured pixel limit', async () => {
    configure({ SYNKRONUS_MAX_DECODED_IMAGE_PIXELS: '10000' });
    await expectRefused('limited.png', await noise(200, 200).png().toBuffer());
  });

  it('decodes nothing when processing is switched off entirely', async () => {
    configure({ SYNKRONUS_IMAGE_APPLY_EXIF_ORIENTATION: 'false' });
    const bomb = await sharp({ create: { width: 7000, height: 7000, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    expect((await upload('kept-bomb.png', bomb, 'image/png')).status).toBe(200);
    expect(served('kept-bomb.png').equals(bomb)).toBe(true);
  });
});
