import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import archiver from 'archiver';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../support/server';

/**
 * The operator's drill on the embedded default: push, upload, bundle; `npm run backup` while the server serves;
 * wipe the data root; `npm run restore`; then pull and downloads return the same bytes.
 */

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const ODE = '1.0.0';

const servers: RunningServer[] = [];
const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-drill-'));
afterAll(async () => {
  for (const server of servers) await server.stop().catch(() => undefined);
  fs.rmSync(temp, { recursive: true, force: true });
});

async function npmScript(script: string, args: string[], dataDir: string) {
  const { DATABASE_URL: _url, DB_CONNECTION: _connection, ...env } = process.env;
  return run('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    env: { ...env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
  });
}

function api(server: RunningServer, token: string) {
  return (method: string, route: string, init: { json?: unknown; body?: BodyInit } = {}) =>
    fetch(`${server.url}/api${route}`, {
      method,
      headers: {
        'x-ode-version': ODE,
        authorization: `Bearer ${token}`,
        ...(init.json !== undefined && { 'content-type': 'application/json' }),
      },
      body: init.json !== undefined ? JSON.stringify(init.json) : init.body,
    });
}

async function login(server: RunningServer): Promise<string> {
  const response = await fetch(`${server.url}/api/auth/login`, {
    method: 'POST',
    headers: { 'x-ode-version': ODE, 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'admin' }),
  });
  return ((await response.json()) as { token: string }).token;
}

async function bundleZip(): Promise<Buffer> {
  const archive = archiver('zip');
  const chunks: Buffer[] = [];
  archive.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise((resolve) => archive.on('end', resolve));
  archive.append('<!doctype html><title>drill</title>', { name: 'app/index.html' });
  archive.append(JSON.stringify({ type: 'object', properties: { name: { type: 'string' } } }), {
    name: 'forms/drill/schema.json',
  });
  archive.append(JSON.stringify({ type: 'VerticalLayout', elements: [] }), { name: 'forms/drill/ui.json' });
  await archive.finalize();
  await done;
  return Buffer.concat(chunks);
}

async function snapshot(server: RunningServer, token: string) {
  const call = api(server, token);
  const pulled = (await (
    await call('POST', '/sync/pull?limit=1000', { json: { client_id: 'drill-reader' } })
  ).json()) as {
    records: Array<Record<string, unknown>>;
    current_version: number;
  };
  const attachment = Buffer.from(await (await call('GET', '/attachments/drill-photo.bin')).arrayBuffer());
  const bundleZipBytes = Buffer.from(await (await call('GET', '/app-bundle/download-zip')).arrayBuffer());
  const manifest = await (await call('GET', '/app-bundle/manifest')).json();
  return { records: pulled.records, currentVersion: pulled.current_version, attachment, bundleZipBytes, manifest };
}

describe('backup and restore of the embedded default', () => {
  it('brings back the same records, attachment and bundle bytes', async () => {
    const original = await startServer();
    servers.push(original);
    const token = await login(original);
    const call = api(original, token);

    const records = Array.from({ length: 50 }, (_, i) => ({
      observation_id: `drill-${i}`,
      form_type: 'drill',
      form_version: '1',
      data: { i, note: i === 7 ? 'nul\u0000inside' : `note ${i}`, nested: { list: [i, 'ü', '💥'] } },
      created_at: '2025-03-01T10:00:00Z',
    }));
    expect(
      (await call('POST', '/sync/push', { json: { transmission_id: 'drill-1', client_id: 'drill-device', records } }))
        .status,
    ).toBe(200);
    const photo = crypto.randomBytes(300_000);
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(photo)]), 'drill-photo.bin');
    expect((await call('PUT', '/attachments/drill-photo.bin', { body: form })).status).toBe(200);
    const bundleForm = new FormData();
    bundleForm.append('bundle', new Blob([new Uint8Array(await bundleZip())]), 'bundle.zip');
    expect((await call('POST', '/app-bundle/push', { body: bundleForm })).status).toBe(200);
    expect((await call('POST', '/app-bundle/switch/0001')).status).toBe(200);
    const before = await snapshot(original, token);
    expect(before.attachment.equals(photo)).toBe(true);
    expect(before.records).toHaveLength(50);

    // Backup while the server keeps serving: pushes run during it.
    const archive = path.join(temp, 'drill.tar.gz');
    const during = (async () => {
      for (let n = 0; n < 5; n++) {
        await call('POST', '/sync/push', {
          json: {
            transmission_id: `during-${n}`,
            client_id: 'drill-device',
            records: [{ observation_id: `during-${n}`, form_type: 'drill', data: { n } }],
          },
        });
      }
    })();
    const output = await npmScript('backup', ['--out', archive], original.dataDir);
    await during;
    expect(output.stdout).toMatch(/backup written to/);
    expect(fs.statSync(archive).size).toBeGreaterThan(photo.length);
    expect(await original.stop()).toBe(0);

    // Wipe: a new, empty data root.
    fs.rmSync(original.dataDir, { recursive: true, force: true });
    const restoredDir = fs.mkdtempSync(path.join(temp, 'restored-'));
    await npmScript('restore', [archive], restoredDir);
    // Restoring twice into the same root is refused: it is no longer empty.
    await expect(npmScript('restore', [archive], restoredDir)).rejects.toThrow(/not empty/);

    const restored = await startServer({ dataDir: restoredDir });
    servers.push(restored);
    const after = await snapshot(restored, await login(restored));
    const drillOnly = (list: Array<Record<string, unknown>>) =>
      list.filter((r) => String(r.observation_id).startsWith('drill-'));
    expect(drillOnly(after.records)).toEqual(drillOnly(before.records));
    expect(after.records.find((r) => r.observation_id === 'drill-7')?.data).toEqual(records[7].data);
    expect(after.currentVersion).toBeGreaterThanOrEqual(before.currentVersion);
    expect(after.attachment.equals(photo)).toBe(true);
    expect(after.bundleZipBytes.equals(before.bundleZipBytes)).toBe(true);
    // generatedAt and the hash over it are per server start by design; the files (hash, size, modTime) must match.
    const { files: filesBefore, version: versionBefore } = before.manifest as Record<string, unknown>;
    const { files: filesAfter, version: versionAfter } = after.manifest as Record<string, unknown>;
    expect(versionAfter).toBe(versionBefore);
    expect(filesAfter).toEqual(filesBefore);

    // The restored server keeps working: a new push gets the next version.
    const next = await api(restored, await login(restored))('POST', '/sync/push', {
      json: {
        transmission_id: 'after-restore',
        client_id: 'drill-device',
        records: [{ observation_id: 'after-restore', form_type: 'drill', data: {} }],
      },
    });
    expect(next.status).toBe(200);
    expect(((await next.json()) as { current_version: number }).current_version).toBeGreaterThan(after.currentVersion);
  }, 300_000);
});
