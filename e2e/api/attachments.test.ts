import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import sharp from 'sharp';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { resetConfig } from '@/server/config';
import { handleApiRequest } from '@/server/http/api';
import { FileAttachmentStore } from '@/server/storage/attachment-store';
import { createTestApp, getDb, ODE_VERSION, ORIGIN, type TestApp } from '../support/app';
import { readZip } from '../support/zip';

const MAX_UPLOAD_BYTES = 16 * 1024 * 1024;
const BOUNDARY = 'synkronus-test-boundary';
const MULTIPART = `multipart/form-data; boundary=${BOUNDARY}`;

let app: TestApp;
let writer: string;
let reader: string;

beforeAll(async () => {
  app = await createTestApp({ SYNKRONUS_MAX_ATTACHMENT_UPLOAD_BYTES: String(MAX_UPLOAD_BYTES) });
  writer = await app.userToken('read-write');
  reader = await app.userToken('read-only');
});
afterAll(() => app.close());

interface Part {
  name: string;
  filename?: string;
  type?: string;
  data: string | Buffer;
}

const filePart = (data: string | Buffer, type = 'application/octet-stream'): Part => ({
  name: 'file',
  filename: 'upload.bin',
  type,
  data,
});

function partHead(part: Part): string {
  const filename = part.filename === undefined ? '' : `; filename="${part.filename}"`;
  const type = part.type ? `Content-Type: ${part.type}\r\n` : '';
  return `--${BOUNDARY}\r\nContent-Disposition: form-data; name="${part.name}"${filename}\r\n${type}\r\n`;
}

function multipartBody(parts: Part[]): Buffer {
  const chunks = parts.flatMap((part) => [Buffer.from(partHead(part)), Buffer.from(part.data), Buffer.from('\r\n')]);
  return Buffer.concat([...chunks, Buffer.from(`--${BOUNDARY}--\r\n`)]);
}

function put(
  id: string,
  body: Part[] | Buffer | ReadableStream,
  options: { token?: string; headers?: Record<string, string> } = {},
) {
  return app.json('PUT', `/api/attachments/${id}`, {
    token: options.token ?? writer,
    body: Array.isArray(body) ? multipartBody(body) : body,
    headers: { 'content-type': MULTIPART, ...options.headers },
  });
}

const upload = (id: string, data: string | Buffer, type?: string) =>
  put(encodeURIComponent(id), [filePart(data, type)]);

function manifest(body: Record<string, unknown>, options: { token?: string; headers?: Record<string, string> } = {}) {
  return app.json('POST', '/api/attachments/manifest', {
    token: options.token ?? reader,
    body,
    headers: options.headers,
  });
}

const attachmentsDir = () => path.join(app.dataDir, 'attachments');
const originalsDir = () => path.join(app.dataDir, 'attachments_uncompressed');
const stagingDir = () => path.join(attachmentsDir(), '~staging');
const stagedFiles = () => (fs.existsSync(stagingDir()) ? fs.readdirSync(stagingDir()) : []);

async function operationsFor(id: string) {
  return getDb().$queryRaw<
    Array<{ operation: string; client_id: string | null; size: number | null; content_type: string | null }>
  >`
    SELECT operation, client_id, size, content_type FROM attachment_operations WHERE attachment_id = ${id} ORDER BY id`;
}

async function insertOperation(id: string, operation: string, clientId: string | null = null) {
  await getDb()
    .$executeRaw`INSERT INTO attachment_operations (attachment_id, operation, client_id) VALUES (${id}, ${operation}, ${clientId})`;
}

async function setGeneration(generation: number) {
  await getDb().$executeRaw`UPDATE sync_version SET repository_generation = ${generation} WHERE id = 1`;
}

/** A body that sends `head`, then waits for `gate` before sending `tail`. */
function gatedStream(head: Buffer, gate: Promise<void>, tail: Buffer): ReadableStream<Uint8Array> {
  let sent = false;
  return new ReadableStream({
    async pull(controller) {
      if (!sent) {
        sent = true;
        controller.enqueue(new Uint8Array(head));
        return;
      }
      await gate;
      controller.enqueue(new Uint8Array(tail));
      controller.close();
    },
  });
}

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('PUT /api/attachments/{id}', () => {
  it('stores the file under its id, records a create for every client and answers {"status":"success"}', async () => {
    const response = await upload('report.pdf', '%PDF-1.4 hello', 'application/pdf; charset=binary');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.body).toEqual({ status: 'success' });
    expect(fs.readFileSync(path.join(attachmentsDir(), 'report.pdf'), 'utf8')).toBe('%PDF-1.4 hello');
    expect(fs.existsSync(path.join(originalsDir(), 'report.pdf'))).toBe(false);
    expect(stagedFiles()).toEqual([]);
    expect(await operationsFor('report.pdf')).toEqual([
      { operation: 'create', client_id: null, size: 14, content_type: 'application/pdf' },
    ]);
  });

  it('accepts a fully percent-encoded GUID id and a multi-segment id', async () => {
    const guid = '3f2b6c1e-8a4d-4b2a-9c1d-0e5f6a7b8c9d.jpg';
    const encoded = [...guid].map((c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`).join('');
    expect((await put(encoded, [filePart('not really a jpeg', 'application/octet-stream')])).status).toBe(200);
    expect(fs.readFileSync(path.join(attachmentsDir(), guid), 'utf8')).toBe('not really a jpeg');
    const download = await app.request('GET', `/api/attachments/${encodeURIComponent(guid)}`, { token: reader });
    expect(await download.text()).toBe('not really a jpeg');

    expect((await put('photos%2Fcam-01_2.jpg', [filePart('cam')])).status).toBe(200);
    expect(fs.readFileSync(path.join(attachmentsDir(), 'photos', 'cam-01_2.jpg'), 'utf8')).toBe('cam');
  });

  it('accepts a 255-byte id and refuses invalid ids with 400 "attachment_id is invalid"', async () => {
    expect((await upload('a'.repeat(255), 'x')).status).toBe(200);
    const invalid = ['a'.repeat(256), 'a/../x', '../x', '/absolute', 'a\\b', 'a b', 'a//b', 'x/.', 'é.jpg'];
    for (const id of invalid.map(encodeURIComponent)) {
      const response = await put(id, [filePart('x')]);
      expect(response.status, id).toBe(400);
      expect(response.body).toEqual({ error: 'An error occurred', message: 'attachment_id is invalid' });
    }
    // A control character or a broken escape is refused at the gate, before any route sees the path.
    for (const id of [encodeURIComponent('a\nb'), '%E0%A4%A']) {
      const response = await put(id, [filePart('x')]);
      expect(response.status, id).toBe(400);
      expect(response.body.message).toBe('Invalid request path');
    }
  });

  it('answers 409 with the exact body for an existing id and keeps the first content', async () => {
    expect((await upload('dup.txt', 'first')).status).toBe(200);
    const second = await upload('dup.txt', 'second');
    expect(second.status).toBe(409);
    expect(second.body).toEqual({ error: 'file already exists', message: 'Attachment already exists' });
    expect(fs.readFileSync(path.join(attachmentsDir(), 'dup.txt'), 'utf8')).toBe('first');
    expect(await operationsFor('dup.txt')).toHaveLength(1);
    expect(stagedFiles()).toEqual([]);
  });

  it('lets exactly one of two concurrent uploads of one id win, without overwriting', async () => {
    const results = await Promise.all([upload('race.txt', 'A'.repeat(50_000)), upload('race.txt', 'B'.repeat(50_000))]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 409]);
    const winner = results[0].status === 200 ? 'A' : 'B';
    expect(fs.readFileSync(path.join(attachmentsDir(), 'race.txt'), 'utf8')).toBe(winner.repeat(50_000));
    expect(await operationsFor('race.txt')).toHaveLength(1);
  });

  it('refuses a read-only user with 403 and no token with 401', async () => {
    const forbidden = await put('ro.txt', [filePart('x')], { token: reader });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toBe('Forbidden\n');
    const anonymous = await app.request('PUT', '/api/attachments/ro.txt', { body: multipartBody([filePart('x')]) });
    expect(anonymous.status).toBe(401);
    expect(fs.existsSync(path.join(attachmentsDir(), 'ro.txt'))).toBe(false);
  });

  it('answers 400 for a body that is not multipart', async () => {
    const json = await app.json('PUT', '/api/attachments/json.txt', { token: writer, body: { file: 'x' } });
    expect(json.status).toBe(400);
    expect(json.body).toEqual({ error: 'An error occurred', message: 'Failed to parse multipart form' });
    const empty = await app.json('PUT', '/api/attachments/empty.txt', {
      token: writer,
      headers: { 'content-type': MULTIPART },
    });
    expect(empty.status).toBe(400);
  });

  it.each([
    ['a value field after the file', [filePart('x'), { name: 'note', data: 'hello' }]],
    ['a value field before the file', [{ name: 'note', data: 'hello' }, filePart('x')]],
    ['a second file part', [filePart('x'), filePart('y')]],
    ['a file part with another name', [{ name: 'upload', filename: 'a.bin', data: 'x' }]],
    ['no part at all', []],
  ] as Array<[string, Part[]]>)(
    'answers 400 "Exactly one file part is required" for %s and keeps nothing',
    async (_, parts) => {
      const response = await put('parts.txt', parts);
      expect(response.status).toBe(400);
      expect(response.body).toEqual({ error: 'An error occurred', message: 'Exactly one file part is required' });
      expect(fs.existsSync(path.join(attachmentsDir(), 'parts.txt'))).toBe(false);
      expect(stagedFiles()).toEqual([]);
      expect(await operationsFor('parts.txt')).toEqual([]);
    },
  );

  it('accepts a file of exactly the limit and answers 413 one byte over it, keeping nothing', async () => {
    expect((await upload('at-limit.bin', Buffer.alloc(MAX_UPLOAD_BYTES, 1))).status).toBe(200);
    const over = await upload('over-limit.bin', Buffer.alloc(MAX_UPLOAD_BYTES + 1, 1));
    expect(over.status).toBe(413);
    expect(over.body).toEqual({ error: 'An error occurred', message: 'Attachment exceeds upload size limit' });
    expect(fs.existsSync(path.join(attachmentsDir(), 'over-limit.bin'))).toBe(false);
    expect(stagedFiles()).toEqual([]);
    expect(await operationsFor('over-limit.bin')).toEqual([]);
  });

  it('answers 413 from a declared Content-Length and from a body padded past the multipart allowance', async () => {
    const declared = await put('declared.bin', [filePart('x')], {
      headers: { 'content-length': String(MAX_UPLOAD_BYTES + 2 * 1024 * 1024) },
    });
    expect(declared.status).toBe(413);
    const preamble = Buffer.alloc(1024 * 1024 + 10, 'p');
    const padded = await put(
      'padded.bin',
      Buffer.concat([preamble, Buffer.from('\r\n'), multipartBody([filePart(Buffer.alloc(MAX_UPLOAD_BYTES - 5))])]),
    );
    expect(padded.status).toBe(413);
    expect(fs.existsSync(path.join(attachmentsDir(), 'padded.bin'))).toBe(false);
    expect(stagedFiles()).toEqual([]);
  });

  it.each([
    ['the connection fails', 'error'],
    ['the body ends', 'close'],
  ])('leaves no file under the final name when %s mid-body', async (_, ending) => {
    const head = Buffer.concat([Buffer.from(partHead(filePart(''))), Buffer.alloc(300_000, 7)]);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(new Uint8Array(head));
      },
      async pull(controller) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (ending === 'error') controller.error(new Error('connection reset'));
        else controller.close();
      },
    });
    const response = await put('cut.bin', body);
    expect(response.status).toBe(400);
    expect(fs.existsSync(path.join(attachmentsDir(), 'cut.bin'))).toBe(false);
    expect(stagedFiles()).toEqual([]);
    expect(await operationsFor('cut.bin')).toEqual([]);
  });

  it('removes the files and answers 500 when the operation cannot be recorded', async () => {
    const db = getDb();
    await db.$executeRawUnsafe(`CREATE FUNCTION refuse_test_attachment() RETURNS trigger AS $$
      BEGIN IF NEW.attachment_id = 'db-fails.bin' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`);
    await db.$executeRawUnsafe(`CREATE TRIGGER refuse_test_attachment BEFORE INSERT ON attachment_operations
      FOR EACH ROW EXECUTE FUNCTION refuse_test_attachment()`);
    try {
      const response = await upload('db-fails.bin', 'bytes');
      expect(response.status).toBe(500);
      expect(response.body).toEqual({ error: 'An error occurred', message: 'Failed to register attachment for sync' });
      expect(fs.existsSync(path.join(attachmentsDir(), 'db-fails.bin'))).toBe(false);
      expect(fs.existsSync(path.join(originalsDir(), 'db-fails.bin'))).toBe(false);
      expect(stagedFiles()).toEqual([]);
      // The id is free again: a later upload succeeds once the database accepts it.
    } finally {
      await db.$executeRawUnsafe('DROP TRIGGER refuse_test_attachment ON attachment_operations');
      await db.$executeRawUnsafe('DROP FUNCTION refuse_test_attachment()');
    }
    expect((await upload('db-fails.bin', 'bytes')).status).toBe(200);
  });

  it('waits for one of the upload slots and answers 408 "Upload cancelled" when the client leaves while waiting', async () => {
    // Four writers fill the four shared slots (each client has a share of two), a fifth waits for one.
    const writers = await Promise.all([1, 2, 3, 4, 5].map(() => app.userToken('read-write')));
    const rawPut = (id: string, body: BodyInit, token: string, signal?: AbortSignal) => {
      const headers = new Headers({
        'x-ode-version': ODE_VERSION,
        authorization: `Bearer ${token}`,
        'content-type': MULTIPART,
      });
      const init: RequestInit & { duplex: 'half' } = { method: 'PUT', headers, body, signal, duplex: 'half' };
      return handleApiRequest(new Request(new URL(`/api/attachments/${id}`, ORIGIN), init));
    };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => (open = resolve));
    const head = Buffer.from(partHead(filePart('')) + 'first half ');
    const tail = Buffer.from(`second half\r\n--${BOUNDARY}--\r\n`);
    const slow = [1, 2, 3, 4].map((n) => rawPut(`slow-${n}.txt`, gatedStream(head, gate, tail), writers[n - 1]));
    await waitFor(() => stagedFiles().length === 4);

    const leaving = new AbortController();
    const cancelled = rawPut(
      'cancelled.txt',
      new Uint8Array(multipartBody([filePart('x')])),
      writers[4],
      leaving.signal,
    );
    let queuedDone = false;
    const queued = rawPut('queued.txt', new Uint8Array(multipartBody([filePart('queued')])), writers[4]).finally(
      () => (queuedDone = true),
    );
    setTimeout(() => leaving.abort(), 50);
    const cancelledResponse = await cancelled;
    expect(cancelledResponse.status).toBe(408);
    expect(await cancelledResponse.json()).toEqual({ error: 'An error occurred', message: 'Upload cancelled' });
    expect(queuedDone).toBe(false);

    open();
    expect((await Promise.all(slow)).map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect((await queued).status).toBe(200);
    expect(fs.readFileSync(path.join(attachmentsDir(), 'slow-1.txt'), 'utf8')).toBe('first half second half');
    expect(fs.existsSync(path.join(attachmentsDir(), 'cancelled.txt'))).toBe(false);
  });

  it('decides image processing by the declared type: a JPEG sent as octet-stream is kept byte for byte', async () => {
    const jpeg = await sharp({ create: { width: 40, height: 20, channels: 3, background: '#884422' } })
      .jpeg({ quality: 100 })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    expect((await upload('declared-octet.jpg', jpeg, 'application/octet-stream')).status).toBe(200);
    expect(fs.readFileSync(path.join(attachmentsDir(), 'declared-octet.jpg')).equals(jpeg)).toBe(true);

    // A part without a Content-Type header: the file's first bytes decide (EXIF orientation is on by default).
    expect((await put('undeclared.jpg', [{ name: 'file', filename: 'u.jpg', data: jpeg }])).status).toBe(200);
    const served = await sharp(path.join(attachmentsDir(), 'undeclared.jpg')).metadata();
    expect([served.width, served.height, served.orientation]).toEqual([20, 40, undefined]);
    expect((await operationsFor('undeclared.jpg'))[0].content_type).toBe('image/jpeg');
  });
});

describe('GET and HEAD /api/attachments/{id}', () => {
  const bytes = crypto.randomBytes(70_000);

  beforeAll(async () => {
    expect((await upload('photo-1.bin', bytes)).status).toBe(200);
  });

  it('streams the stored bytes as application/octet-stream with disposition and length', async () => {
    const response = await app.request('GET', '/api/attachments/photo-1.bin', { token: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/octet-stream');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="photo-1.bin"');
    expect(response.headers.get('content-length')).toBe('70000');
    expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('names a multi-segment id by its base name', async () => {
    const response = await app.request('GET', '/api/attachments/photos%2Fcam-01_2.jpg', { token: reader });
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="cam-01_2.jpg"');
    expect(await response.text()).toBe('cam');
  });

  it('answers HEAD with the same headers and no body', async () => {
    const response = await app.request('HEAD', '/api/attachments/photo-1.bin', { token: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).toBe('70000');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="photo-1.bin"');
    expect(await response.text()).toBe('');
  });

  it('answers 404 for unknown and invalid ids (GET with the JSON body, HEAD without a body)', async () => {
    for (const id of ['missing.bin', encodeURIComponent('../x'), 'a%20b', encodeURIComponent('photos/')]) {
      const get = await app.json('GET', `/api/attachments/${id}`, { token: reader });
      expect(get.status, id).toBe(404);
      expect(get.body).toEqual({ error: 'An error occurred', message: 'Attachment not found' });
      const head = await app.request('HEAD', `/api/attachments/${id}`, { token: reader });
      expect(head.status).toBe(404);
      expect(await head.text()).toBe('');
    }
    // A folder made by a multi-segment id is not an attachment.
    expect((await app.request('GET', '/api/attachments/photos', { token: reader })).status).toBe(404);
    // A broken escape is a malformed request line, refused at the gate.
    expect((await app.json('GET', '/api/attachments/%E0%A4%A', { token: reader })).status).toBe(400);
  });

  it('falls back to the served file when ?original= asks for an original that was not kept', async () => {
    for (const value of ['true', 'yes', '1', 'T']) {
      const response = await app.request('GET', `/api/attachments/photo-1.bin?original=${value}`, { token: reader });
      expect(Buffer.from(await response.arrayBuffer()).equals(bytes)).toBe(true);
    }
  });

  it('needs a token', async () => {
    expect((await app.request('GET', '/api/attachments/photo-1.bin')).status).toBe(401);
  });
});

describe('POST /api/attachments/manifest', () => {
  it('answers 400 for a missing client_id, a negative since_version and malformed JSON', async () => {
    const missing = await manifest({ since_version: 0 });
    expect(missing.status).toBe(400);
    expect(missing.body).toEqual({ error: 'An error occurred', message: 'client_id is required' });
    const negative = await manifest({ client_id: 'c', since_version: -1 });
    expect(negative.status).toBe(400);
    expect(negative.body).toEqual({ error: 'An error occurred', message: 'since_version must be non-negative' });
    const malformed = await app.json('POST', '/api/attachments/manifest', { token: reader, body: '{"client_id":' });
    expect(malformed.status).toBe(400);
    expect(typeof malformed.body.message).toBe('string');
  });

  it('needs a token', async () => {
    expect(
      (await app.json('POST', '/api/attachments/manifest', { body: { client_id: 'c', since_version: 0 } })).status,
    ).toBe(401);
  });

  it("lists another client's upload as a download with an absolute URL, size and type", async () => {
    expect((await upload('manifest-1.txt', 'twelve bytes')).status).toBe(200);
    const response = await manifest({ client_id: 'other-device', since_version: 0 });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-repository-generation')).toBe('1');
    const op = response.body.operations.find((o: { attachment_id: string }) => o.attachment_id === 'manifest-1.txt');
    expect(op).toEqual({
      operation: 'download',
      attachment_id: 'manifest-1.txt',
      download_url: 'http://synkronus.test/api/attachments/manifest-1.txt',
      size: 12,
      content_type: 'application/octet-stream',
      version: expect.any(Number),
    });
    expect(response.body.current_version).toBeGreaterThanOrEqual(op.version);
    expect(response.body.repository_generation).toBe(1);
    const downloads = response.body.operations.filter((o: { operation: string }) => o.operation === 'download');
    expect(response.body.operation_count).toEqual({
      download: downloads.length,
      delete: response.body.operations.length - downloads.length,
    });
    expect(response.body.total_download_size).toBe(
      downloads.reduce((sum: number, o: { size?: number }) => sum + (o.size ?? 0), 0),
    );
  });

  it('builds download URLs from the proxy headers and escapes the id', async () => {
    const response = await manifest(
      { client_id: 'c', since_version: 0 },
      { headers: { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'sync.example.org' } },
    );
    const urls = response.body.operations.map((o: { download_url?: string }) => o.download_url);
    expect(urls).toContain('https://sync.example.org/api/attachments/photos%2Fcam-01_2.jpg');
  });

  it('keeps only the latest operation per attachment and honours the client filter', async () => {
    const { body: before } = await manifest({ client_id: 'me', since_version: 0 });
    await insertOperation('latest-a.jpg', 'create');
    await insertOperation('latest-a.jpg', 'update');
    await insertOperation('latest-b.jpg', 'create');
    await insertOperation('latest-b.jpg', 'delete');
    await insertOperation('mine.jpg', 'create', 'me');
    await insertOperation('theirs.jpg', 'create', 'them');

    const { body } = await manifest({ client_id: 'me', since_version: before.current_version });
    expect(
      body.operations.map((o: { attachment_id: string; operation: string }) => [o.attachment_id, o.operation]),
    ).toEqual([
      ['latest-a.jpg', 'download'],
      ['latest-b.jpg', 'delete'],
      ['mine.jpg', 'download'],
    ]);
    expect(body.operations[1]).not.toHaveProperty('download_url');
    expect(body.operation_count).toEqual({ download: 2, delete: 1 });
    expect(body.current_version).toBe(before.current_version + 6);
  });

  it('yields from a returned cursor only newer operations, across interleaved record changes (split cursor)', async () => {
    const { body: first } = await manifest({ client_id: 'cursor', since_version: 0 });
    const cursor = first.current_version;
    await getDb()
      .$executeRaw`INSERT INTO observations (observation_id, form_type, form_version, data) VALUES ('obs-1', 'survey', '1', '{}')`;
    expect((await upload('after-cursor.txt', 'x')).status).toBe(200);
    await getDb().$executeRaw`UPDATE observations SET data = '{"a":1}' WHERE observation_id = 'obs-1'`;
    await insertOperation('manifest-1.txt', 'update');

    const { body } = await manifest({ client_id: 'cursor', since_version: cursor });
    expect(body.operations.map((o: { attachment_id: string }) => o.attachment_id)).toEqual([
      'after-cursor.txt',
      'manifest-1.txt',
    ]);
    for (const op of body.operations) expect(op.version).toBeGreaterThan(cursor);
    expect(body.current_version).toBe(cursor + 4);
    const { body: caughtUp } = await manifest({ client_id: 'cursor', since_version: body.current_version });
    expect(caughtUp.operations).toEqual([]);
    expect(caughtUp.total_download_size).toBe(0);
  });

  it('treats null fields like absent ones', async () => {
    const response = await manifest({ client_id: 'c', since_version: null, repository_generation: null });
    expect(response.status).toBe(200);
  });
});

describe('repository generation on the manifest and on uploads', () => {
  beforeAll(() => setGeneration(5));
  afterAll(() => setGeneration(1));

  const expectReset = (response: { status: number; body: any; headers: Headers }, serverGeneration = 5) => {
    expect(response.status).toBe(409);
    expect(response.headers.get('x-repository-generation')).toBe(String(serverGeneration));
    expect(response.body).toEqual({
      error: 'repository generation mismatch',
      message: expect.any(String),
      code: 'repository_reset_required',
    });
  };

  it('answers 409 for a stale generation in the header or (without header) in the body', async () => {
    expectReset(await manifest({ client_id: 'c', since_version: 0 }, { headers: { 'x-repository-generation': '4' } }));
    expectReset(await manifest({ client_id: 'c', since_version: 0, repository_generation: 4 }));
  });

  it('lets the header win over the body, and adopts the server generation when nothing is sent', async () => {
    const headerWins = await manifest(
      { client_id: 'c', since_version: 0, repository_generation: 1 },
      { headers: { 'x-repository-generation': '5' } },
    );
    expect(headerWins.status).toBe(200);
    const fresh = await manifest({ client_id: 'c', since_version: 0 });
    expect(fresh.status).toBe(200);
    expect(fresh.body.repository_generation).toBe(5);
    expect(fresh.headers.get('x-repository-generation')).toBe('5');
  });

  it('refuses an upload carrying a stale generation header, keeping nothing', async () => {
    expectReset(await put('stale.txt', [filePart('x')], { headers: { 'x-repository-generation': '4' } }));
    expect(fs.existsSync(path.join(attachmentsDir(), 'stale.txt'))).toBe(false);
    expect(await operationsFor('stale.txt')).toEqual([]);
  });

  it('accepts uploads with the current generation, without one, or with an unreadable one', async () => {
    expect(
      (await put('gen-current.txt', [filePart('x')], { headers: { 'x-repository-generation': '5' } })).status,
    ).toBe(200);
    expect((await put('gen-absent.txt', [filePart('x')])).status).toBe(200);
    expect(
      (await put('gen-garbage.txt', [filePart('x')], { headers: { 'x-repository-generation': 'abc' } })).status,
    ).toBe(200);
  });

  it('after a hard reset the manifest is empty and carries the new generation', async () => {
    await getDb().$transaction([
      getDb().$executeRaw`DELETE FROM attachment_operations`,
      getDb()
        .$executeRaw`UPDATE sync_version SET current_version = 1, repository_generation = repository_generation + 1 WHERE id = 1`,
    ]);
    const { status, body } = await manifest({ client_id: 'c', since_version: 0 });
    expect(status).toBe(200);
    expect(body).toEqual({
      current_version: 1,
      repository_generation: 6,
      operations: [],
      total_download_size: 0,
      operation_count: { download: 0, delete: 0 },
    });
    expectReset(
      await manifest({ client_id: 'c', since_version: 0 }, { headers: { 'x-repository-generation': '5' } }),
      6,
    );
    expectReset(await put('after-reset.txt', [filePart('x')], { headers: { 'x-repository-generation': '5' } }), 6);
  });
});

describe('GET /api/attachments/export-zip', () => {
  beforeEach(async () => {
    await getDb().$executeRaw`DELETE FROM attachment_operations`;
    fs.rmSync(attachmentsDir(), { recursive: true, force: true });
    fs.rmSync(originalsDir(), { recursive: true, force: true });
  });

  it('streams one entry per current attachment, in id order, with the stored bytes', async () => {
    const big = crypto.randomBytes(300_000);
    expect((await upload('b-big.bin', big)).status).toBe(200);
    expect((await upload('a-small.txt', 'small')).status).toBe(200);
    expect((await upload('dir/x..y.txt', 'dots')).status).toBe(200);
    expect((await upload('gone-later.txt', 'deleted')).status).toBe(200);
    await insertOperation('gone-later.txt', 'delete');

    const response = await app.request('GET', '/api/attachments/export-zip', { token: reader });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="attachments_export.zip"');
    const entries = await readZip(Buffer.from(await response.arrayBuffer()));
    expect(entries.map((e) => e.name)).toEqual(['a-small.txt', 'b-big.bin', 'dir_x..y.txt']);
    expect(entries[0].data.toString()).toBe('small');
    expect(entries[1].data.equals(big)).toBe(true);
  });

  it('carries the kept original of a processed image', async () => {
    process.env.SYNKRONUS_IMAGE_COMPRESSION_LEVEL = '10';
    resetConfig();
    try {
      const raw = crypto.randomBytes(120 * 80 * 3);
      const jpeg = await sharp(raw, { raw: { width: 120, height: 80, channels: 3 } })
        .jpeg({ quality: 100 })
        .toBuffer();
      expect((await upload('processed.jpg', jpeg, 'image/jpeg')).status).toBe(200);
      expect(fs.statSync(path.join(attachmentsDir(), 'processed.jpg')).size).toBeLessThan(jpeg.length);
      const response = await app.request('GET', '/api/attachments/export-zip', { token: reader });
      const [entry] = await readZip(Buffer.from(await response.arrayBuffer()));
      expect(entry.name).toBe('processed.jpg');
      expect(entry.data.equals(jpeg)).toBe(true);
    } finally {
      delete process.env.SYNKRONUS_IMAGE_COMPRESSION_LEVEL;
      resetConfig();
    }
  });

  it('answers a valid empty zip when there is nothing to export', async () => {
    const response = await app.request('GET', '/api/attachments/export-zip', { token: reader });
    expect(response.status).toBe(200);
    expect(await readZip(Buffer.from(await response.arrayBuffer()))).toEqual([]);
  });

  it('answers 500 JSON when the first file is missing before anything was sent', async () => {
    expect((await upload('vanished.txt', 'x')).status).toBe(200);
    fs.rmSync(path.join(attachmentsDir(), 'vanished.txt'));
    const response = await app.json('GET', '/api/attachments/export-zip', { token: reader });
    expect(response.status).toBe(500);
    expect(response.body).toEqual({
      error: 'open attachment "vanished.txt": file missing',
      message: 'Failed to export attachments',
    });
  });

  it('aborts the transfer when a later file turns out missing mid-stream', async () => {
    // Larger than every buffer between the archive and the reader, so the second file is opened only on reading.
    expect((await upload('first.bin', crypto.randomBytes(8 * 1024 * 1024))).status).toBe(200);
    expect((await upload('second.txt', 'x')).status).toBe(200);
    const response = await app.request('GET', '/api/attachments/export-zip', { token: reader });
    expect(response.status).toBe(200);
    fs.rmSync(path.join(attachmentsDir(), 'second.txt'));
    await expect(response.arrayBuffer()).rejects.toThrow();
  });
});

describe('attachment staging', () => {
  it('removes staging leftovers older than a day and keeps recent ones', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-store-'));
    try {
      const staging = path.join(root, 'served', '~staging');
      fs.mkdirSync(staging, { recursive: true });
      fs.writeFileSync(path.join(staging, 'old.tmp'), 'crash leftover');
      const twoDaysAgo = new Date(Date.now() - 2 * 24 * 60 * 60 * 1000);
      fs.utimesSync(path.join(staging, 'old.tmp'), twoDaysAgo, twoDaysAgo);
      fs.writeFileSync(path.join(staging, 'recent.tmp'), 'in flight');

      const store = new FileAttachmentStore(path.join(root, 'served'), path.join(root, 'originals'));
      const staged = await store.stage(Readable.from([Buffer.from('new')]));
      expect(fs.readdirSync(staging).sort()).toEqual([path.basename(staged.path), 'recent.tmp'].sort());
      await staged.discard();
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });
});
