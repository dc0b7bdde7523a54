import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { getConfig } from '@/server/config';
import { startEmbeddedPostgres, runningEmbeddedUrl } from '@/server/db/embedded';
import { migrate, readMigrations } from '@/server/db/migrate';
import { dumpDatabase, isEmptyDatabase, loadDatabase, type DumpManifest } from '@/server/backup/database';

/**
 * One archive (tar.gz) with a consistent database dump and the file store:
 *   manifest.json                  format, time, tables, applied migrations
 *   db/<table>.copy                COPY text of each table, all from one snapshot
 *   files/<entry>                  the data root's files (attachments, app bundles, the generated JWT key)
 * The database is dumped first: a file written after the snapshot is extra in the archive (harmless), while every
 * row's file is there (files are published before their rows and never rewritten).
 */

export const FORMAT = 'synkronus-backup-1';
/** What of the data root goes into an archive; the embedded cluster travels as the dump, not as files. */
export const FILE_ENTRIES = ['attachments', 'attachments_uncompressed', 'app-bundle', 'jwt_secret'];

interface ArchiveManifest extends DumpManifest {
  format: string;
  createdAt: string;
  files: string[];
  /** Exact modification times (ms) of the app bundle files: tar keeps whole seconds, and bundle ETags use them. */
  bundleMtimes: Record<string, number>;
}

const BUNDLE_ENTRY = 'app-bundle';

function bundleMtimes(dataDir: string): Record<string, number> {
  const root = path.join(dataDir, BUNDLE_ENTRY);
  if (!fs.existsSync(root)) return {};
  const times: Record<string, number> = {};
  for (const relative of fs.readdirSync(root, { recursive: true }) as string[]) {
    const stat = fs.lstatSync(path.join(root, relative));
    if (stat.isFile() || stat.isDirectory()) times[relative] = stat.mtimeMs;
  }
  return times;
}

function restoreBundleMtimes(dataDir: string, times: Record<string, number>): void {
  // Deepest first, so that setting a file's time does not change its folder's afterwards.
  for (const relative of Object.keys(times).sort((a, b) => b.length - a.length)) {
    const seconds = times[relative] / 1000;
    fs.utimesSync(path.join(dataDir, BUNDLE_ENTRY, relative), seconds, seconds);
  }
}

interface Database {
  url: string;
  stop(): Promise<void>;
}

/** The configured database; else the embedded one, reached where a running server started it or started here. */
async function openDatabase(dataDir: string): Promise<Database> {
  const external = getConfig().databaseUrl;
  if (external) return { url: external, stop: async () => undefined };
  const root = path.join(dataDir, 'postgres');
  const running = runningEmbeddedUrl(root);
  if (running) return { url: running, stop: async () => undefined };
  const started = await startEmbeddedPostgres(root);
  return { url: started.url, stop: started.stop };
}

function writeJsonSynced(file: string, value: unknown): void {
  const fd = fs.openSync(file, 'w', 0o600);
  try {
    fs.writeFileSync(fd, JSON.stringify(value, null, 2) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

export async function backup(outFile: string): Promise<ArchiveManifest> {
  const dataDir = getConfig().dataDir;
  const staging = fs.mkdtempSync(path.join(os.tmpdir(), 'synkronus-backup-'));
  const target = path.resolve(outFile);
  const partial = `${target}.partial`;
  try {
    fs.mkdirSync(path.join(staging, 'db'));
    const database = await openDatabase(dataDir);
    let dump: DumpManifest;
    try {
      dump = await dumpDatabase(database.url, path.join(staging, 'db'));
    } finally {
      await database.stop();
    }
    // The file store is linked in, and tar follows the links: nothing is copied twice on disk.
    fs.mkdirSync(path.join(staging, 'files'));
    const files = FILE_ENTRIES.filter((entry) => fs.existsSync(path.join(dataDir, entry)));
    for (const entry of files) fs.symlinkSync(path.join(dataDir, entry), path.join(staging, 'files', entry));
    const manifest: ArchiveManifest = {
      format: FORMAT,
      createdAt: new Date().toISOString(),
      ...dump,
      files,
      bundleMtimes: bundleMtimes(dataDir),
    };
    writeJsonSynced(path.join(staging, 'manifest.json'), manifest);
    await tar.c({ gzip: true, file: partial, cwd: staging, follow: true, portable: true }, [
      'manifest.json',
      'db',
      'files',
    ]);
    fsyncFile(partial);
    fs.renameSync(partial, target);
    return manifest;
  } finally {
    fs.rmSync(partial, { force: true });
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

export class RestoreError extends Error {}

/** Restores an archive into an empty data root (and an empty database when one is configured). */
export async function restore(archiveFile: string): Promise<ArchiveManifest> {
  const dataDir = getConfig().dataDir;
  fs.mkdirSync(dataDir, { recursive: true });
  const present = fs.readdirSync(dataDir).filter((name) => name !== '.gitkeep');
  if (present.length > 0)
    throw new RestoreError(`the data root ${dataDir} is not empty (${present.slice(0, 5).join(', ')})`);
  const staging = fs.mkdtempSync(path.join(dataDir, '.restore-'));
  try {
    await tar.x({ file: path.resolve(archiveFile), cwd: staging, strict: true });
    const manifest = JSON.parse(fs.readFileSync(path.join(staging, 'manifest.json'), 'utf8')) as ArchiveManifest;
    if (manifest.format !== FORMAT)
      throw new RestoreError(`not a Synkronus backup (format ${String(manifest.format)})`);

    const database = await openDatabase(dataDir);
    try {
      const known = new Set(readMigrations().map((migration) => migration.name));
      const unknown = manifest.migrations.filter((name) => !known.has(name));
      if (unknown.length > 0)
        throw new RestoreError(`the backup needs migrations this server does not have: ${unknown.join(', ')}`);
      if (!(await isEmptyDatabase(database.url)))
        throw new RestoreError('the database already holds data; restore needs an empty one');
      await migrate(database.url);
      await loadDatabase(database.url, path.join(staging, 'db'), manifest);
    } finally {
      await database.stop();
    }
    for (const entry of manifest.files) fs.renameSync(path.join(staging, 'files', entry), path.join(dataDir, entry));
    restoreBundleMtimes(dataDir, manifest.bundleMtimes ?? {});
    return manifest;
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}
