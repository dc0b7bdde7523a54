import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import archiver from 'archiver';
import yauzl from 'yauzl';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { presence } from '@/server/services/presence';
import { recoverBundles } from '@/server/services/bundles/service';

/**
 * App bundles over the real gate (api-contract §5, §11 "App bundles"; clients.md conformance 20–27): pushes of
 * zips built here, hostile ones included, on a real data folder.
 */

const MAX_BUNDLE_BYTES = 2 * 1024 * 1024;
const MAX_ENTRIES = 40;
const MAX_UNCOMPRESSED = 6 * 1024 * 1024;

let app: TestApp;
let admin: string;
let bundleRoot: string;

beforeAll(async () => {
  app = await createTestApp({
    SYNKRONUS_MAX_BUNDLE_BYTES: String(MAX_BUNDLE_BYTES),
    SYNKRONUS_MAX_BUNDLE_ENTRIES: String(MAX_ENTRIES),
    SYNKRONUS_MAX_BUNDLE_UNCOMPRESSED_BYTES: String(MAX_UNCOMPRESSED),
    SYNKRONUS_MAX_BUNDLE_COMPRESSION_RATIO: '100',
    MAX_VERSIONS_KEPT: '3',
  });
  admin = await app.adminToken();
  bundleRoot = path.join(app.dataDir, 'app-bundle');
});
afterAll(() => app.close());

/** Every test starts without bundles. */
beforeEach(() => {
  fs.rmSync(bundleRoot, { recursive: true, force: true });
});

// ---------------------------------------------------------------------------------------------------------
// Zips

type Content = string | Buffer;

/** A zip written by archiver, a maintained writer (it normalises names, so it cannot write hostile ones). */
async function zipOf(files: Record<string, Content>): Promise<Buffer> {
  const archive = archiver('zip', { zlib: { level: 9 } });
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise((resolve, reject) => {
    archive.on('end', resolve);
    archive.on('error', reject);
  });
  for (const [name, content] of Object.entries(files)) archive.append(content, { name });
  await archive.finalize();
  await ended;
  return Buffer.concat(chunks);
}

interface RawEntry {
  name: string;
  data?: Content;
  /** Unix mode with file type bits, written to the external attributes. */
  mode?: number;
  deflate?: boolean;
  /** Lie about the uncompressed size in the headers. */
  declaredSize?: number;
  encrypted?: boolean;
}

/** A zip written byte by byte, for entries no honest writer produces. */
function rawZip(entries: RawEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const data = Buffer.from(entry.data ?? '');
    const body = entry.deflate ? zlib.deflateRawSync(data) : data;
    const name = Buffer.from(entry.name, 'utf8');
    const flags = 0x0800 | (entry.encrypted ? 1 : 0);
    const method = entry.deflate ? 8 : 0;
    const crc = zlib.crc32(data);
    const size = entry.declaredSize ?? data.length;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(((entry.mode ?? (entry.name.endsWith('/') ? 0o040755 : 0o100644)) << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

const personSchema = {
  type: 'object',
  required: ['core_id'],
  properties: {
    core_id: { type: 'string' },
    name: { type: 'string', 'x-question-type': 'text' },
    age: { type: 'integer' },
  },
};
const personUi = { type: 'VerticalLayout', elements: [{ type: 'Control', scope: '#/properties/name' }] };

/** A valid bundle; `changes` replaces files (null removes one). */
function bundleFiles(changes: Record<string, Content | null> = {}): Record<string, Content> {
  const files: Record<string, Content | null> = {
    'app/index.html': '<!doctype html><title>field app</title>',
    'app/js/app.js': 'console.log("app");',
    'forms/person/schema.json': JSON.stringify(personSchema, null, 2),
    'forms/person/ui.json': JSON.stringify(personUi, null, 2),
    ...changes,
  };
  return Object.fromEntries(Object.entries(files).filter((entry): entry is [string, Content] => entry[1] !== null));
}

const bundle = (changes?: Record<string, Content | null>) => zipOf(bundleFiles(changes));

// ---------------------------------------------------------------------------------------------------------
// Calls

function pushRequest(zip: Buffer, options: { token?: string; field?: string } = {}) {
  const form = new FormData();
  form.append(options.field ?? 'bundle', new Blob([new Uint8Array(zip)], { type: 'application/zip' }), 'bundle.zip');
  return app.json('POST', '/api/app-bundle/push', { token: options.token ?? admin, body: form });
}

async function pushOk(zip: Buffer): Promise<string> {
  const { status, body } = await pushRequest(zip);
  expect(status, JSON.stringify(body)).toBe(200);
  return body.manifest.version;
}

async function switchTo(version: string) {
  const { status, body } = await app.json('POST', `/api/app-bundle/switch/${version}`, { token: admin });
  expect(status, JSON.stringify(body)).toBe(200);
}

async function publish(zip: Buffer): Promise<string> {
  const version = await pushOk(zip);
  await switchTo(version);
  return version;
}

const versionsOnDisk = () =>
  fs.existsSync(path.join(bundleRoot, 'versions'))
    ? fs
        .readdirSync(path.join(bundleRoot, 'versions'))
        .filter((name) => /^\d+$/.test(name))
        .sort()
    : [];

const stagingLeftovers = () =>
  fs.existsSync(path.join(bundleRoot, 'staging')) ? fs.readdirSync(path.join(bundleRoot, 'staging')) : [];

const sha256 = (data: Content) => crypto.createHash('sha256').update(data).digest('hex');

async function expectValidationFailure(zip: Buffer, reason: string | RegExp) {
  const before = versionsOnDisk();
  const { status, body, headers } = await pushRequest(zip);
  expect(status).toBe(400);
  expect(headers.get('content-type')).toBe('application/json');
  expect(body.error).toMatch(/^bundle validation failed: /);
  expect(body.message).toBe(`Failed to process app bundle: ${body.error.replace(/^bundle validation failed: /, '')}`);
  if (typeof reason === 'string') expect(body.message).toContain(reason);
  else expect(body.message).toMatch(reason);
  expect(versionsOnDisk()).toEqual(before);
  expect(stagingLeftovers()).toEqual([]);
}

async function zipEntryNames(zip: Buffer): Promise<string[]> {
  const file = await yauzl.fromBufferPromise(zip, { lazyEntries: true });
  const names: string[] = [];
  for await (const entry of file.eachEntry()) names.push(entry.fileName);
  return names;
}

// ---------------------------------------------------------------------------------------------------------

describe('POST /api/app-bundle/push', () => {
  it('stores a valid bundle as version 0001 without activating it', async () => {
    const zip = await bundle();
    const { status, body, headers } = await pushRequest(zip);
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body.message).toBe('App bundle successfully pushed');
    expect(body.manifest.version).toBe('0001');
    expect(body.manifest.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.manifest.files.map((f: { path: string }) => f.path)).toEqual([
      'APP_INFO.json',
      'app/index.html',
      'app/js/app.js',
      'forms/person/schema.json',
      'forms/person/ui.json',
    ]);

    const versionDir = path.join(bundleRoot, 'versions', '0001');
    expect(fs.readFileSync(path.join(versionDir, 'bundle.zip')).equals(zip)).toBe(true);
    const appInfo = JSON.parse(fs.readFileSync(path.join(versionDir, 'APP_INFO.json'), 'utf8'));
    expect(appInfo.version).toBe('1');
    expect(appInfo.forms.person.fields.map((f: { name: string }) => f.name)).toEqual(['age', 'core_id', 'name']);
    expect(appInfo.forms.person.fields[1]).toMatchObject({ name: 'core_id', core: true, required: true });

    expect((await app.json('GET', '/api/app-bundle/manifest', { token: admin })).status).toBe(404);
    expect((await app.json('GET', '/api/app-bundle/versions', { token: admin })).body).toEqual({ versions: ['0001'] });
    expect(stagingLeftovers()).toEqual([]);
  });

  it('numbers versions max + 1 and keeps only numeric folders as versions', async () => {
    fs.mkdirSync(path.join(bundleRoot, 'versions', 'notes'), { recursive: true });
    expect(await pushOk(await bundle())).toBe('0001');
    expect(await pushOk(await bundle())).toBe('0002');
    fs.renameSync(path.join(bundleRoot, 'versions', '0002'), path.join(bundleRoot, 'versions', '0009'));
    expect(await pushOk(await bundle())).toBe('0010');
  });

  it('answers 401 without a token and 403 below admin', async () => {
    const zip = await bundle();
    const form = new FormData();
    form.append('bundle', new Blob([new Uint8Array(zip)]), 'bundle.zip');
    const anonymous = await app.request('POST', '/api/app-bundle/push', { body: form });
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe('Unauthorized\n');
    expect((await pushRequest(zip, { token: await app.userToken('read-write') })).status).toBe(403);
    expect(versionsOnDisk()).toEqual([]);
  });

  it('answers 400 for a body that is not multipart, and for a form without a bundle part', async () => {
    const json = await app.json('POST', '/api/app-bundle/push', { token: admin, body: { bundle: 'x' } });
    expect(json.status).toBe(400);
    expect(json.body.message).toBe("Invalid request format. Expected multipart form with a 'bundle' file");
    const bodiless = await app.json('POST', '/api/app-bundle/push', { token: admin });
    expect(bodiless.status).toBe(400);
    expect(bodiless.body.message).toBe("Invalid request format. Expected multipart form with a 'bundle' file");
    const wrongField = await pushRequest(await bundle(), { field: 'file' });
    expect(wrongField.status).toBe(400);
    expect(wrongField.body.message).toBe('Failed to get bundle file from form');
    expect(stagingLeftovers()).toEqual([]);
  });

  it('answers 413 for a bundle over the configured size, by declared length and while streaming', async () => {
    const big = await zipOf(bundleFiles({ 'app/big.bin': crypto.randomBytes(MAX_BUNDLE_BYTES + 1024) }));
    const form = new FormData();
    form.append('bundle', new Blob([new Uint8Array(big)]), 'bundle.zip');
    const encoded = new Response(form);
    const contentType = encoded.headers.get('content-type')!;
    const multipart = Buffer.from(await encoded.arrayBuffer());

    const declared = await app.json('POST', '/api/app-bundle/push', {
      token: admin,
      body: multipart,
      headers: { 'content-type': contentType, 'content-length': String(multipart.length) },
    });
    expect(declared.status).toBe(413);
    expect(declared.body).toEqual({
      error: 'bundle too large',
      message: `App bundle exceeds the limit of ${MAX_BUNDLE_BYTES} bytes`,
    });

    const streamed = await app.json('POST', '/api/app-bundle/push', {
      token: admin,
      body: new Response(multipart).body!,
      headers: { 'content-type': contentType },
    });
    expect(streamed.status).toBe(413);
    expect(versionsOnDisk()).toEqual([]);
    expect(stagingLeftovers()).toEqual([]);
  });

  it('accepts folder entries, forms/ext.json, per-form ext.json and translation files', async () => {
    const zip = rawZip([
      { name: 'app/' },
      { name: 'app/index.html', data: '<html></html>' },
      { name: 'forms/' },
      { name: 'forms/ext.json', data: '{"shared":true}' },
      { name: 'forms/person/' },
      { name: 'forms/person/schema.json', data: JSON.stringify(personSchema), deflate: true },
      { name: 'forms/person/ui.json', data: JSON.stringify(personUi) },
      { name: 'forms/person/ext.json', data: '{}' },
      { name: 'forms/person/translations/fr.json', data: '{"name":"Nom"}' },
    ]);
    await pushOk(zip);
    expect(fs.readFileSync(path.join(bundleRoot, 'versions/0001/forms/person/translations/fr.json'), 'utf8')).toBe(
      '{"name":"Nom"}',
    );
  });

  it('accepts bundles without forms and without renderers, and bundled and built-in renderers', async () => {
    await pushOk(await zipOf({ 'app/index.html': '<html></html>' }));
    const schema = {
      type: 'object',
      properties: { a: { type: 'string', 'x-renderer': 'stars' }, b: { type: 'string', rendererType: 'qrcode' } },
    };
    await pushOk(
      await bundle({
        'forms/person/schema.json': JSON.stringify(schema),
        'renderers/stars/renderer.jsx': 'export default () => null;',
      }),
    );
  });

  describe('validation failures answer 400 with the upstream body and store nothing', () => {
    it.each([
      ['a bundle without app/index.html', { 'app/index.html': null }, 'missing app/index.html'],
      [
        'an unknown top-level folder',
        { 'docs/readme.md': '# hi' },
        "invalid app bundle structure: unexpected top-level directory 'docs'",
      ],
      ['a file at the root', { 'README.md': '# hi' }, "unexpected top-level directory 'README.md'"],
      [
        'a form with only ui.json',
        { 'forms/person/schema.json': null },
        "invalid form structure: form 'person' is missing required files",
      ],
      ['a form with only schema.json', { 'forms/person/ui.json': null }, "form 'person' is missing required files"],
      [
        'a stray file in a form folder',
        { 'forms/person/notes.txt': 'x' },
        'invalid form file path: forms/person/notes.txt',
      ],
      [
        'renderers/x/renderer.js',
        { 'renderers/x/renderer.js': 'x' },
        'invalid renderer structure: invalid renderer file path: renderers/x/renderer.js',
      ],
      [
        'invalid JSON in schema.json',
        { 'forms/person/schema.json': '{"type": ' },
        'invalid form structure: invalid JSON in forms/person/schema.json',
      ],
      ['invalid JSON in ui.json', { 'forms/person/ui.json': 'nope' }, 'invalid JSON in forms/person/ui.json'],
      [
        'a schema that is not an object',
        { 'forms/person/schema.json': '[1]' },
        'forms/person/schema.json is not a JSON object',
      ],
      [
        'invalid JSON in a translation',
        { 'forms/person/i18n/fr.json': '{' },
        'invalid JSON in forms/person/i18n/fr.json',
      ],
      [
        'an unknown custom renderer',
        {
          'forms/person/schema.json': JSON.stringify({ properties: { a: { type: 'string', 'x-renderer': 'ghost' } } }),
        },
        "missing renderer reference: form 'person' references non-existent renderer 'ghost' (x-renderer)",
      ],
    ])('%s', async (_, changes, reason) => {
      await expectValidationFailure(await bundle(changes as Record<string, Content | null>), reason);
    });

    it('an empty zip', async () => {
      await expectValidationFailure(rawZip([]), 'missing app/index.html');
    });

    it('an upload that is not a zip', async () => {
      await expectValidationFailure(Buffer.from('just text, no zip'), 'invalid zip file');
      await expectValidationFailure(Buffer.alloc(0), 'invalid zip file');
    });
  });

  describe('core fields of the active version cannot change', () => {
    const withPerson = (properties: Record<string, unknown>, required = ['core_id']) =>
      bundle({ 'forms/person/schema.json': JSON.stringify({ type: 'object', required, properties }) });

    it('rejects a changed, removed or added core field against the active version', async () => {
      await publish(await bundle());
      const { core_id, name, age } = personSchema.properties;
      await expectValidationFailure(
        await withPerson({ core_id: { type: 'number' }, name, age }),
        "core_* fields cannot be modified: form 'person': changed core_id",
      );
      await expectValidationFailure(await withPerson({ name, age }, []), 'removed core_id');
      await expectValidationFailure(
        await withPerson({ core_id, name, age, core_site: { type: 'string' } }),
        'added core_site',
      );
      await expectValidationFailure(
        await withPerson({ core_id, name: { ...name, 'x-core': true }, age }),
        'added name',
      );
    });

    it('accepts changes to other fields and new forms, and does not check against pushed but inactive versions', async () => {
      await publish(await bundle());
      const { core_id } = personSchema.properties;
      await pushOk(await withPerson({ core_id, nickname: { type: 'string' }, age: { type: 'number' } }));
      await pushOk(
        await bundle({
          'forms/visit/schema.json': JSON.stringify({ properties: { core_x: { type: 'string' } } }),
          'forms/visit/ui.json': '{}',
        }),
      );
      // 0002 and 0003 are not active: a push that differs from them in core fields is still fine.
      await pushOk(
        await bundle({
          'forms/visit/schema.json': JSON.stringify({ properties: { core_x: { type: 'number' } } }),
          'forms/visit/ui.json': '{}',
        }),
      );
    });
  });

  describe('hostile zips are refused and nothing is written outside the version folder', () => {
    const escapeName = `synkronus-bundle-escape-${process.pid}.txt`;
    const escaped = () =>
      [
        path.join(os.tmpdir(), escapeName),
        path.join(path.dirname(app.dataDir), escapeName),
        path.join(app.dataDir, escapeName),
      ].filter((file) => fs.existsSync(file));
    const base = (extra: RawEntry[]) => rawZip([{ name: 'app/index.html', data: '<html></html>' }, ...extra]);

    it.each([
      ['an absolute path', path.join(os.tmpdir(), escapeName), 'absolute path'],
      ['a .. segment', `app/../../../../../${escapeName}`, 'invalid relative path'],
      ['a backslash', `app\\..\\..\\${escapeName}`, 'invalid characters in fileName'],
      ['a drive letter', `C:/${escapeName}`, 'absolute path'],
      ['an empty segment', 'app//index2.html', 'unsafe zip entry name'],
      ['a . segment', 'app/./index2.html', 'unsafe zip entry name'],
      ['a control character', 'app/evil\u0007.html', 'control characters'],
    ])('%s', async (_, name, reason) => {
      await expectValidationFailure(base([{ name, data: 'pwned' }]), reason);
      expect(escaped()).toEqual([]);
    });

    it('a symbolic link entry', async () => {
      await expectValidationFailure(
        base([{ name: 'app/link', data: '/etc/passwd', mode: 0o120777 }]),
        "zip entry 'app/link' is a symbolic link or special file",
      );
    });

    it('a symbolic link written by archiver', async () => {
      const archive = archiver('zip');
      const chunks: Buffer[] = [];
      archive.on('data', (chunk: Buffer) => chunks.push(chunk));
      const ended = new Promise((resolve) => archive.on('end', resolve));
      archive.append('<html></html>', { name: 'app/index.html' });
      archive.symlink('app/secrets', '/etc');
      await archive.finalize();
      await ended;
      await expectValidationFailure(Buffer.concat(chunks), 'symbolic link');
    });

    it('duplicate names, also differing only in case', async () => {
      await expectValidationFailure(
        base([{ name: 'app/index.html', data: 'second' }]),
        "duplicate zip entry 'app/index.html'",
      );
      await expectValidationFailure(
        base([{ name: 'app/a.js' }, { name: 'app/A.js' }]),
        "duplicate zip entry 'app/A.js'",
      );
    });

    it('a name that is both a file and a folder', async () => {
      await expectValidationFailure(
        base([
          { name: 'app/x', data: 'file' },
          { name: 'app/x/y', data: 'nested' },
        ]),
        "'app/x' is both a file and a folder",
      );
    });

    it('more entries than the cap', async () => {
      const many = Array.from({ length: MAX_ENTRIES }, (_, i) => ({ name: `app/f${i}.txt`, data: 'x' }));
      await expectValidationFailure(
        base(many),
        `zip has ${MAX_ENTRIES + 1} entries, more than the limit of ${MAX_ENTRIES}`,
      );
    });

    it('more uncompressed bytes than the cap', async () => {
      // Each entry is under the ratio check's threshold; together they exceed the cap.
      const entries = Array.from({ length: 7 }, (_, i) => ({
        name: `app/pad${i}.bin`,
        data: Buffer.alloc(1024 * 1024 - 1),
        deflate: true,
      }));
      await expectValidationFailure(base(entries), `zip expands to more than ${MAX_UNCOMPRESSED} bytes uncompressed`);
    });

    it('a compression ratio above the cap', async () => {
      await expectValidationFailure(
        base([{ name: 'app/zeros.bin', data: Buffer.alloc(4 * 1024 * 1024), deflate: true }]),
        /compression ratio of \d+:1, above the limit of 100:1/,
      );
    });

    it('an entry that inflates to more than its header says', async () => {
      await expectValidationFailure(
        base([{ name: 'app/liar.bin', data: Buffer.alloc(5 * 1024 * 1024, 1), deflate: true, declaredSize: 100 }]),
        "invalid zip entry 'app/liar.bin'",
      );
    });

    it('an encrypted entry', async () => {
      await expectValidationFailure(
        base([{ name: 'app/secret.js', data: 'x', deflate: true, encrypted: true }]),
        'encrypted or uses an unsupported compression method',
      );
    });
  });
});

describe('GET /api/app-bundle/versions', () => {
  it('lists versions newest first with " *" on the active one', async () => {
    expect((await app.json('GET', '/api/app-bundle/versions', { token: admin })).body).toEqual({ versions: [] });
    await pushOk(await bundle());
    await pushOk(await bundle());
    await pushOk(await bundle());
    await switchTo('0002');
    const { status, body, headers } = await app.json('GET', '/api/app-bundle/versions', {
      token: await app.userToken('read-only'),
    });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body).toEqual({ versions: ['0003', '0002 *', '0001'] });
  });
});

describe('POST /api/app-bundle/switch/{version}', () => {
  it('activates a version: 200 with the message, the manifest reports it, active/ holds it', async () => {
    await pushOk(await bundle());
    await pushOk(await bundle({ 'app/index.html': '<html>two</html>' }));
    const { status, body, headers } = await app.json('POST', '/api/app-bundle/switch/0002', { token: admin });
    expect(status).toBe(200);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body).toEqual({ message: 'Switched to app bundle version 0002' });
    expect(fs.readFileSync(path.join(bundleRoot, 'versions', 'CURRENT_VERSION'), 'utf8')).toBe('0002');
    expect(fs.readFileSync(path.join(bundleRoot, 'active', 'app', 'index.html'), 'utf8')).toBe('<html>two</html>');
    expect((await app.json('GET', '/api/app-bundle/manifest', { token: admin })).body.version).toBe('0002');
    expect(fs.readdirSync(bundleRoot).sort()).toEqual(['active', 'staging', 'versions']);
  });

  it('answers 404 with a JSON body for an unknown or malformed version', async () => {
    await pushOk(await bundle());
    for (const version of ['0042', '1', '..%2F..%2Fversions', 'abc']) {
      const { status, body } = await app.json('POST', `/api/app-bundle/switch/${version}`, { token: admin });
      expect(status).toBe(404);
      expect(body).toEqual({
        error: `version ${decodeURIComponent(version)} does not exist`,
        message: 'App bundle version not found',
      });
    }
    expect(fs.existsSync(path.join(bundleRoot, 'versions', 'CURRENT_VERSION'))).toBe(false);
  });

  it('answers 400 "Version is required" for an empty version', async () => {
    for (const url of ['/api/app-bundle/switch/', '/api/app-bundle/switch/%20']) {
      const { status, body } = await app.json('POST', url, { token: admin });
      expect(status).toBe(400);
      expect(body).toEqual({ error: 'An error occurred', message: 'Version is required' });
    }
  });

  it('answers 401 without a token and 403 below admin', async () => {
    await pushOk(await bundle());
    const anonymous = await app.request('POST', '/api/app-bundle/switch/0001');
    expect(anonymous.status).toBe(401);
    expect(await anonymous.text()).toBe('Unauthorized\n');
    expect(
      (await app.json('POST', '/api/app-bundle/switch/0001', { token: await app.userToken('read-write') })).status,
    ).toBe(403);
  });
});

describe('GET /api/app-bundle/manifest', () => {
  it('answers 404 JSON while nothing is active', async () => {
    const { status, body, headers } = await app.json('GET', '/api/app-bundle/manifest', { token: admin });
    expect(status).toBe(404);
    expect(headers.get('content-type')).toBe('application/json');
    expect(body.message).toBeTruthy();
  });

  it('lists every file with size, sha256, mime type and mtime, sorted, with the upstream manifest hash and ETag', async () => {
    const files = bundleFiles({ 'app/style.css': 'body{}', 'app/img/logo.png': crypto.randomBytes(100) });
    await publish(await zipOf(files));
    const response = await app.json('GET', '/api/app-bundle/manifest', { token: await app.userToken('read-only') });
    expect(response.status).toBe(200);
    const manifest = response.body;
    expect(Object.keys(manifest).sort()).toEqual(['files', 'generatedAt', 'hash', 'version']);
    expect(manifest.version).toBe('0001');
    expect(Number.isFinite(Number(manifest.version))).toBe(true);
    expect(manifest.generatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const paths = manifest.files.map((f: { path: string }) => f.path);
    expect(paths).toEqual([...paths].sort());
    expect(paths).toContain('APP_INFO.json');
    expect(paths).not.toContain('bundle.zip');
    for (const [name, content] of Object.entries(files)) {
      const entry = manifest.files.find((f: { path: string }) => f.path === name);
      expect(entry).toMatchObject({ size: Buffer.byteLength(content), hash: sha256(content) });
      expect(Number.isNaN(Date.parse(entry.modTime))).toBe(false);
    }
    const mimeOf = (p: string) => manifest.files.find((f: { path: string }) => f.path === p).mimeType;
    expect(mimeOf('app/index.html')).toBe('text/html; charset=utf-8');
    expect(mimeOf('app/img/logo.png')).toBe('image/png');
    expect(mimeOf('app/style.css')).toBe('text/css; charset=utf-8');

    const recipe = manifest.files
      .map((f: { path: string; hash: string; size: number }) => `${f.path}${f.hash}${f.size}`)
      .join('');
    expect(manifest.hash).toBe(sha256(recipe + manifest.version + manifest.generatedAt));
    expect(response.headers.get('etag')).toBe(`"${manifest.hash}"`);
  });

  it('answers 304 with no body on an exact If-None-Match, 200 otherwise, and changes after a switch', async () => {
    await publish(await bundle());
    const first = await app.json('GET', '/api/app-bundle/manifest', { token: admin });
    const etag = first.headers.get('etag')!;
    const again = await app.request('GET', '/api/app-bundle/manifest', {
      token: admin,
      headers: { 'if-none-match': etag },
    });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    const weak = await app.request('GET', '/api/app-bundle/manifest', {
      token: admin,
      headers: { 'if-none-match': `W/${etag}` },
    });
    expect(weak.status).toBe(200);
    expect((await app.json('GET', '/api/app-bundle/manifest', { token: admin })).headers.get('etag')).toBe(etag);

    await pushOk(await bundle({ 'app/index.html': '<html>2</html>' }));
    expect(
      (await app.request('GET', '/api/app-bundle/manifest', { token: admin, headers: { 'if-none-match': etag } }))
        .status,
    ).toBe(304);
    await switchTo('0002');
    const switched = await app.request('GET', '/api/app-bundle/manifest', {
      token: admin,
      headers: { 'if-none-match': etag },
    });
    expect(switched.status).toBe(200);
    expect((await switched.json()).version).toBe('0002');
  });

  it('records the app bundle version in the caller presence', async () => {
    await publish(await bundle());
    const token = await app.userToken('read-only', 'field-worker');
    await app.json('GET', '/api/app-bundle/manifest', { token, headers: { 'x-ode-client-id': 'tablet-7' } });
    await presence().drain();
    const users = (await app.json('GET', '/api/users', { token: admin })).body;
    const worker = users.find((u: { username: string }) => u.username === 'field-worker');
    expect(worker.presence.clients).toEqual([
      expect.objectContaining({ clientId: 'tablet-7', appBundleVersion: '0001', lastOdeVersion: '1.3.1' }),
    ]);
  });
});

describe('GET /api/app-bundle/download/{path}', () => {
  const download = (urlPath: string, headers?: Record<string, string>) =>
    app.request('GET', `/api/app-bundle/download/${urlPath}`, { token: admin, headers });

  it('serves a nested file by raw path and by %2F-encoded path, with type, length and sha256 ETag', async () => {
    const schema = JSON.stringify(personSchema, null, 2);
    await publish(await bundle());
    for (const urlPath of [
      'forms/person/schema.json',
      'forms%2Fperson%2Fschema.json',
      encodeURIComponent('forms/person/schema.json'),
    ]) {
      const response = await download(urlPath);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
      expect(response.headers.get('content-length')).toBe(String(Buffer.byteLength(schema)));
      expect(response.headers.get('etag')).toBe(`"${sha256(schema)}"`);
      expect(response.headers.get('x-is-preview')).toBeNull();
      expect(await response.text()).toBe(schema);
    }
    expect(await (await download('app/index.html')).text()).toBe('<!doctype html><title>field app</title>');
    expect((await download('app/js/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('answers 304 when If-None-Match is the ETag or *, with the headers still set', async () => {
    await publish(await bundle());
    const etag = (await download('app/index.html')).headers.get('etag')!;
    for (const match of [etag, '*']) {
      const response = await download('app/index.html', { 'if-none-match': match });
      expect(response.status).toBe(304);
      expect(response.headers.get('etag')).toBe(etag);
      expect(await response.text()).toBe('');
    }
    expect((await download('app/index.html', { 'if-none-match': '"other"' })).status).toBe(200);
  });

  it('answers 404 with the contract body for a missing file, the uploaded zip and when nothing is active', async () => {
    expect((await download('app/index.html')).status).toBe(404);
    await publish(await bundle());
    for (const urlPath of ['app/missing.js', 'bundle.zip', 'app', 'forms']) {
      const response = await download(urlPath);
      expect(response.status).toBe(404);
      expect((await response.json()).message).toBe('File not found');
    }
  });

  it('never reads outside the version: escaping paths are 400 or 404', async () => {
    await publish(await bundle());
    fs.writeFileSync(path.join(app.dataDir, 'secret.txt'), 'top secret');
    for (const urlPath of [
      '..%2F..%2F..%2Fsecret.txt',
      'app%2F..%2F..%2F..%2F..%2Fsecret.txt',
      '%2E%2E%2Fversions%2FCURRENT_VERSION',
      'app%5C..%5Cindex.html',
    ]) {
      const response = await download(urlPath);
      expect(response.status).toBe(400);
      expect((await response.json()).message).toBe('Invalid file path');
    }
    for (const urlPath of ['../../secret.txt', 'app/../../../../secret.txt', '%2Fetc%2Fpasswd', 'app%00.html']) {
      const response = await download(urlPath);
      expect([400, 404]).toContain(response.status);
      expect(await response.text()).not.toContain('top secret');
    }
    // Malformed percent-encoding never reaches the bundle service: the gate refuses the request line.
    const undecodable = await download('app%E0%A4%A');
    expect(undecodable.status).toBe(400);
    expect((await undecodable.json()).message).toBe('Invalid request path');
  });

  it('serves preview=true from the highest version with x-is-preview; false or invalid values read the active one', async () => {
    await publish(await bundle({ 'app/index.html': 'one' }));
    await pushOk(await bundle({ 'app/index.html': 'two' }));
    const preview = await download('app/index.html?preview=true');
    expect(preview.status).toBe(200);
    expect(preview.headers.get('x-is-preview')).toBe('true');
    expect(await preview.text()).toBe('two');
    expect(await (await download('app%2Findex.html?preview=1')).text()).toBe('two');
    for (const query of ['?preview=false', '?preview=maybe', '']) {
      const response = await download(`app/index.html${query}`);
      expect(response.headers.get('x-is-preview')).toBeNull();
      expect(await response.text()).toBe('one');
    }
  });
});

describe('GET /api/app-bundle/download-zip', () => {
  it('answers 404 with the contract body when nothing is active', async () => {
    await pushOk(await bundle());
    const { status, body } = await app.json('GET', '/api/app-bundle/download-zip', { token: admin });
    expect(status).toBe(404);
    expect(body).toEqual({ error: 'bundle zip not available', message: 'Bundle zip not available' });
  });

  it('serves the zip exactly as pushed for the active version, with app/ and forms/ at its root', async () => {
    const zip = await bundle();
    await publish(zip);
    await pushOk(await bundle({ 'app/index.html': 'newer, inactive' }));
    const response = await app.request('GET', '/api/app-bundle/download-zip', {
      token: await app.userToken('read-only'),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/zip');
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="bundle.zip"');
    expect(response.headers.get('content-length')).toBe(String(zip.length));
    expect(response.headers.get('accept-ranges')).toBe('bytes');
    const body = Buffer.from(await response.arrayBuffer());
    expect(body.equals(zip)).toBe(true);
    const roots = new Set((await zipEntryNames(body)).map((name) => name.split('/')[0]));
    expect(roots).toEqual(new Set(['app', 'forms']));
  });

  it('answers byte ranges with 206, unsatisfiable ones with 416, and ignores a stale If-Range', async () => {
    const zip = await bundle();
    await publish(zip);
    const get = (headers: Record<string, string>) =>
      app.request('GET', '/api/app-bundle/download-zip', { token: admin, headers });
    const first = await get({ range: 'bytes=0-9' });
    expect(first.status).toBe(206);
    expect(first.headers.get('content-range')).toBe(`bytes 0-9/${zip.length}`);
    expect(first.headers.get('content-length')).toBe('10');
    expect(Buffer.from(await first.arrayBuffer()).equals(zip.subarray(0, 10))).toBe(true);

    const tail = await get({ range: 'bytes=-22' });
    expect(tail.status).toBe(206);
    expect(Buffer.from(await tail.arrayBuffer()).equals(zip.subarray(zip.length - 22))).toBe(true);

    const open = await get({ range: `bytes=${zip.length - 5}-` });
    expect(Buffer.from(await open.arrayBuffer()).equals(zip.subarray(zip.length - 5))).toBe(true);

    const past = await get({ range: `bytes=${zip.length}-` });
    expect(past.status).toBe(416);
    expect(past.headers.get('content-range')).toBe(`bytes */${zip.length}`);
    expect((await past.json()).error).toBe('range not satisfiable');

    const etag = first.headers.get('etag')!;
    expect((await get({ range: 'bytes=0-9', 'if-range': etag })).status).toBe(206);
    const stale = await get({ range: 'bytes=0-9', 'if-range': '"stale"' });
    expect(stale.status).toBe(200);
    expect(Buffer.from(await stale.arrayBuffer()).equals(zip)).toBe(true);
    expect((await get({ range: 'bytes=0-1,4-5' })).status).toBe(200);
  });
});

describe('GET /api/app-bundle/changes', () => {
  const v1 = () => bundle();
  const v2 = () =>
    bundle({
      'forms/person/schema.json': JSON.stringify({
        ...personSchema,
        properties: {
          core_id: { type: 'string' },
          name: { type: 'string', 'x-question-type': 'text' },
          age: { type: 'string' },
          phone: { type: 'string' },
        },
      }),
      'forms/visit/schema.json': JSON.stringify({ properties: { date: { type: 'string' } } }),
      'forms/visit/ui.json': '{}',
      'app/js/app.js': null,
      'app/js/map.js': 'map()',
      'app/index.html': '<html>v2</html>',
    });
  const v3 = () => bundle({ 'forms/person/ui.json': JSON.stringify({ type: 'HorizontalLayout' }) });

  it('compares current with the next newer version: new forms, added/removed fields, a type change, files by path', async () => {
    await pushOk(await v1());
    await pushOk(await v2());
    const { status, body } = await app.json('GET', '/api/app-bundle/changes?current=0001', {
      token: await app.userToken('read-only'),
    });
    expect(status).toBe(200);
    expect(body).toMatchObject({
      compare_version_a: '0001',
      compare_version_b: '0002',
      form_changes: true,
      ui_changes: false,
      new_forms: [{ form: 'visit' }],
    });
    expect(body.modified_forms).toEqual([
      {
        form: 'person',
        schema_changed: true,
        ui_changed: false,
        core_changed: false,
        added_fields: [
          { field: 'age', type: 'string' },
          { field: 'phone', type: 'string' },
        ],
        removed_fields: [{ field: 'age', type: 'integer' }],
      },
    ]);
    expect(body.added.map((f: { path: string }) => f.path)).toEqual([
      'app/js/map.js',
      'forms/visit/schema.json',
      'forms/visit/ui.json',
    ]);
    expect(body.removed.map((f: { path: string }) => f.path)).toEqual(['app/js/app.js']);
    expect(body.modified.map((f: { path: string }) => f.path)).toEqual(['app/index.html', 'forms/person/schema.json']);
    expect(body.modified[0]).toMatchObject({
      hash: sha256('<html>v2</html>'),
      previous_hash: sha256('<!doctype html><title>field app</title>'),
    });
  });

  it('reports removed forms and UI changes, with no parameters (the oldest version) and with preview=true (the newest)', async () => {
    await pushOk(await v2());
    await pushOk(await v1());
    await pushOk(await v3());
    const oldest = await app.json('GET', '/api/app-bundle/changes', { token: admin });
    expect(oldest.status).toBe(200);
    expect(oldest.body).toMatchObject({
      compare_version_a: '0001',
      compare_version_b: '0002',
      removed_forms: [{ form: 'visit' }],
    });
    const preview = await app.json('GET', '/api/app-bundle/changes?current=0002&preview=true', { token: admin });
    expect(preview.status).toBe(200);
    expect(preview.body).toMatchObject({
      compare_version_a: '0002',
      compare_version_b: '0003',
      form_changes: false,
      ui_changes: true,
    });
    expect(preview.body.modified_forms).toEqual([
      { form: 'person', schema_changed: false, ui_changed: true, core_changed: false },
    ]);
  });

  it('honours target, answers an empty log for the newest version, and 404 for unknown versions', async () => {
    await pushOk(await v1());
    await pushOk(await v2());
    await pushOk(await v3());
    const targeted = await app.json('GET', '/api/app-bundle/changes?current=0003&target=0001', { token: admin });
    expect(targeted.body).toMatchObject({
      compare_version_a: '0003',
      compare_version_b: '0001',
      current_version: '0003',
      target_version: '0001',
    });
    const newest = await app.json('GET', '/api/app-bundle/changes?current=0003', { token: admin });
    expect(newest.body).toEqual({
      compare_version_a: '0003',
      compare_version_b: '0003',
      form_changes: false,
      ui_changes: false,
      added: [],
      removed: [],
      modified: [],
      current_version: '0003',
      target_version: '0003',
    });
    for (const query of [
      'current=0009',
      'current=0009&preview=true',
      'current=0001&target=0009',
      'current=..%2F..&target=0001',
    ]) {
      const unknown = await app.json('GET', `/api/app-bundle/changes?${query}`, { token: admin });
      expect(unknown.status).toBe(404);
      expect(unknown.body.message).toBe('App bundle version not found');
    }
  });

  it('answers 404 when there are no versions', async () => {
    expect((await app.json('GET', '/api/app-bundle/changes', { token: admin })).status).toBe(404);
  });
});

describe('pruning', () => {
  it('keeps the newest MAX_VERSIONS_KEPT versions and never deletes the active one', async () => {
    await publish(await bundle());
    for (let i = 0; i < 4; i++) await pushOk(await bundle());
    expect(versionsOnDisk()).toEqual(['0001', '0003', '0004', '0005']);
    expect((await app.json('GET', '/api/app-bundle/versions', { token: admin })).body.versions).toEqual([
      '0005',
      '0004',
      '0003',
      '0001 *',
    ]);
    expect((await app.request('GET', '/api/app-bundle/download/app/index.html', { token: admin })).status).toBe(200);

    await switchTo('0005');
    await pushOk(await bundle());
    expect(versionsOnDisk()).toEqual(['0004', '0005', '0006']);
    expect(stagingLeftovers()).toEqual([]);
  });
});

describe('concurrent switches and downloads', () => {
  it('never serve a half-built version: every answer is one whole version', async () => {
    const contents = { '0001': 'A'.repeat(50_000), '0002': 'B'.repeat(70_000) };
    const extra = { '0001': { 'app/only-a.js': 'a' }, '0002': { 'app/only-b.js': 'b' } };
    for (const version of ['0001', '0002'] as const)
      await pushOk(await bundle({ 'app/index.html': contents[version], ...extra[version] }));
    await switchTo('0001');

    let switching = true;
    const switches = (async () => {
      for (let i = 0; i < 30; i++) await switchTo(i % 2 === 0 ? '0002' : '0001');
      switching = false;
    })();
    const readers = Array.from({ length: 6 }, async () => {
      let reads = 0;
      while (switching || reads === 0) {
        const [file, manifest] = await Promise.all([
          app.request('GET', '/api/app-bundle/download/app%2Findex.html', { token: admin }),
          app.json('GET', '/api/app-bundle/manifest', { token: admin }),
        ]);
        expect(file.status).toBe(200);
        const text = await file.text();
        expect([contents['0001'], contents['0002']]).toContain(text);
        expect(file.headers.get('etag')).toBe(`"${sha256(text)}"`);
        expect(manifest.status).toBe(200);
        const paths = manifest.body.files.map((f: { path: string }) => f.path);
        const own = manifest.body.version === '0001' ? 'app/only-a.js' : 'app/only-b.js';
        const other = manifest.body.version === '0001' ? 'app/only-b.js' : 'app/only-a.js';
        expect(paths).toContain(own);
        expect(paths).not.toContain(other);
        reads += 1;
      }
      return reads;
    });
    await switches;
    const reads = await Promise.all(readers);
    expect(reads.every((n) => n > 0)).toBe(true);

    const current = fs.readFileSync(path.join(bundleRoot, 'versions', 'CURRENT_VERSION'), 'utf8');
    expect(fs.readFileSync(path.join(bundleRoot, 'active', 'app', 'index.html'), 'utf8')).toBe(
      contents[current as '0001' | '0002'],
    );
    expect(fs.readdirSync(bundleRoot).filter((name) => name.startsWith('active.'))).toEqual([]);
  });
});

describe('start-up recovery', () => {
  const versionsDir = () => path.join(bundleRoot, 'versions');

  it('makes the highest version current when CURRENT_VERSION is missing or invalid', async () => {
    await pushOk(await bundle());
    await pushOk(await bundle({ 'app/index.html': 'two' }));
    await recoverBundles();
    expect(fs.readFileSync(path.join(versionsDir(), 'CURRENT_VERSION'), 'utf8')).toBe('0002');
    expect(fs.readFileSync(path.join(bundleRoot, 'active', 'app', 'index.html'), 'utf8')).toBe('two');

    fs.writeFileSync(path.join(versionsDir(), 'CURRENT_VERSION'), '0042\n');
    await recoverBundles();
    expect(fs.readFileSync(path.join(versionsDir(), 'CURRENT_VERSION'), 'utf8')).toBe('0002');
  });

  it('rebuilds active/ when it lacks APP_INFO.json or holds another version, and keeps a valid choice', async () => {
    await publish(await bundle({ 'app/index.html': 'one' }));
    await pushOk(await bundle({ 'app/index.html': 'two' }));
    fs.rmSync(path.join(bundleRoot, 'active', 'APP_INFO.json'));
    await recoverBundles();
    expect(fs.readFileSync(path.join(versionsDir(), 'CURRENT_VERSION'), 'utf8')).toBe('0001');
    expect(fs.readFileSync(path.join(bundleRoot, 'active', 'APP_INFO.json'), 'utf8')).toBe(
      fs.readFileSync(path.join(versionsDir(), '0001', 'APP_INFO.json'), 'utf8'),
    );

    fs.rmSync(path.join(bundleRoot, 'active'), { recursive: true });
    await recoverBundles();
    expect(fs.readFileSync(path.join(bundleRoot, 'active', 'app', 'index.html'), 'utf8')).toBe('one');
  });

  it('removes stale leftovers of interrupted uploads and swaps, and keeps fresh ones', async () => {
    await publish(await bundle());
    const stale = new Date(Date.now() - 2 * 60 * 60 * 1000);
    const leftovers = [
      path.join(bundleRoot, 'staging', 'dead-upload'),
      path.join(bundleRoot, 'active.old.dead'),
      path.join(versionsDir(), 'CURRENT_VERSION.dead.tmp'),
    ];
    for (const leftover of leftovers) {
      fs.mkdirSync(path.dirname(leftover), { recursive: true });
      fs.writeFileSync(leftover, 'x');
      fs.utimesSync(leftover, stale, stale);
    }
    const fresh = path.join(bundleRoot, 'staging', 'live-upload');
    fs.writeFileSync(fresh, 'x');
    await recoverBundles();
    for (const leftover of leftovers) expect(fs.existsSync(leftover)).toBe(false);
    expect(fs.existsSync(fresh)).toBe(true);
  });

  it('does nothing on an empty data folder', async () => {
    await recoverBundles();
    expect(fs.readdirSync(versionsDir())).toEqual([]);
    expect(fs.existsSync(path.join(bundleRoot, 'active'))).toBe(false);
  });
});

describe('OpenAPI document', () => {
  it('documents the app-bundle endpoints', async () => {
    const { buildOpenApiDocument } = await import('@/server/http/openapi-document');
    const paths = buildOpenApiDocument('http://localhost').paths as Record<string, Record<string, unknown>>;
    expect(Object.keys(paths['/api/app-bundle/push'])).toEqual(['post']);
    expect(Object.keys(paths['/api/app-bundle/manifest'])).toEqual(['get']);
    expect(Object.keys(paths['/api/app-bundle/download-zip'])).toEqual(['get']);
    expect(Object.keys(paths['/api/app-bundle/download/{path}'])).toEqual(['get']);
    expect(Object.keys(paths['/api/app-bundle/versions'])).toEqual(['get']);
    expect(Object.keys(paths['/api/app-bundle/changes'])).toEqual(['get']);
    expect(Object.keys(paths['/api/app-bundle/switch/{version}'])).toEqual(['post']);
  });
});
