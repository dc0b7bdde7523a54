import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { dataPaths } from '@/server/storage/paths';
import type { Readable } from 'node:stream';
import { withAdvisoryLock } from '@/server/db/locks';
import { parseAppInfo, type AppInfo } from '@/server/services/bundles/app-info';
import { forgetListing, listVersion, type ListedFile, type VersionListing } from '@/server/services/bundles/manifest';
import { ObjectBundleStore } from '@/server/services/bundles/object-store';
import { fileStore } from '@/server/storage/configured-store';
import type { ByteRange } from '@/server/storage/file-store';
import { fsyncDirectory, ignoreMissing, linkTree, listDirectories, writeFileAtomic } from '@/server/storage/files';
import { logger } from '@/server/logger';

/**
 * The bundle versions on disk (api-contract §5.1): `versions/<NNNN>/` holds each pushed version (extracted
 * tree, APP_INFO.json, the uploaded bundle.zip) and never changes once published; `versions/CURRENT_VERSION`
 * names the active one and is the only thing readers resolve. `active/` is a hard-linked copy kept for
 * compatibility with the Go layout, rebuilt aside and swapped in. Uploads are staged under `staging/`.
 */

export const CURRENT_VERSION_FILE = 'CURRENT_VERSION';
export const BUNDLE_ZIP = 'bundle.zip';
export const APP_INFO_FILE = 'APP_INFO.json';

const VERSION_NAME = /^\d{1,9}$/;
/** No upload or switch takes this long; staging and swap folders older than this are crash leftovers. */
const STALE_AFTER_MS = 60 * 60 * 1000;
export const isVersionName = (name: string) => VERSION_NAME.test(name);
export const versionName = (n: number) => String(n).padStart(4, '0');

export interface StagedBundle {
  zipPath: string;
  treeDir: string;
  discard(): Promise<void>;
}

/**
 * A store of app bundle versions: on the data root's disk (BundleStore) or in the shared object store with its
 * catalogue in PostgreSQL (ObjectBundleStore). Published versions never change; numbering, switches and
 * pruning run under exclusive().
 */
export interface BundleVersionStore {
  /** Names this store for process-wide caches. */
  readonly cacheKey: string;
  /** Version names, newest first. */
  versionNames(): Promise<string[]>;
  hasVersion(name: string): Promise<boolean>;
  current(): Promise<string | undefined>;
  /** The active version, with its activation time where the store keeps one. */
  active(): Promise<{ name: string; since?: Date } | undefined>;
  createdAt(name: string): Promise<Date | undefined>;
  readAppInfo(name: string): Promise<AppInfo | undefined>;
  /** The version's files; undefined when the version is gone (pruned meanwhile). */
  listing(name: string): Promise<VersionListing | undefined>;
  /** Opens a listed file; undefined when it vanished (its version was pruned). */
  open(file: ListedFile): Promise<OpenedFile | undefined>;
  createStaging(): Promise<StagedBundle>;
  /** Publishes a complete staged tree as the next version and returns its name. */
  publish(treeDir: string, writeVersionFiles: (versionNumber: number) => Promise<void>): Promise<string>;
  activate(name: string): Promise<void>;
  removeVersion(name: string): Promise<void>;
  recover(): Promise<void>;
}

export interface OpenedFile {
  file: ListedFile;
  /** Bytes of the opened file, consistent with what read() streams. */
  size: number;
  modified: Date;
  /** Streams the file or an inclusive byte range of it; undefined when it vanished meanwhile. */
  read(range?: ByteRange): Promise<Readable | undefined>;
  /** Frees the file when it will not be read. */
  release(): Promise<void>;
}

/**
 * Runs `task` while no other task of any instance holds the app-bundle lock: version numbering, switches and
 * pruning never interleave, whether in one process or across several on one database.
 */
export function exclusive<T>(task: () => Promise<T>): Promise<T> {
  return withAdvisoryLock('app-bundle', task);
}

/** The configured store: versions under the data root, or in the shared object store. */
export function bundleStore(): BundleVersionStore {
  const shared = fileStore();
  return shared.kind === 's3' ? new ObjectBundleStore(shared, stagingRoot()) : new BundleStore();
}

export function stagingRoot(): string {
  return path.join(dataPaths().appBundle, 'staging');
}

/** A folder for one upload: the zip as received and the tree extracted from it. */
export async function createStagingIn(root: string): Promise<StagedBundle> {
  const dir = path.join(root, crypto.randomUUID());
  await fsp.mkdir(path.join(dir, 'tree'), { recursive: true, mode: 0o755 });
  return {
    zipPath: path.join(dir, BUNDLE_ZIP),
    treeDir: path.join(dir, 'tree'),
    discard: () => fsp.rm(dir, { recursive: true, force: true }),
  };
}

export class BundleStore implements BundleVersionStore {
  readonly root: string;
  readonly versionsDir: string;
  readonly activeDir: string;
  readonly stagingDir: string;

  constructor() {
    const paths = dataPaths();
    this.root = paths.appBundle;
    this.versionsDir = paths.appBundleVersions;
    this.activeDir = paths.appBundleActive;
    this.stagingDir = stagingRoot();
  }

  get cacheKey(): string {
    return this.versionsDir;
  }

  versionDir(name: string): string {
    return path.join(this.versionsDir, name);
  }

  /** Version folder names, newest first. */
  async versionNames(): Promise<string[]> {
    const entries = await fsp.readdir(this.versionsDir, { withFileTypes: true }).catch(ignoreMissing);
    return (entries ?? [])
      .filter((entry) => entry.isDirectory() && isVersionName(entry.name))
      .map((entry) => entry.name)
      .sort((a, b) => Number(b) - Number(a) || (a < b ? 1 : -1));
  }

  async hasVersion(name: string): Promise<boolean> {
    if (!isVersionName(name)) return false;
    const stats = await fsp.stat(this.versionDir(name)).catch(ignoreMissing);
    return stats?.isDirectory() ?? false;
  }

  /** The active version, when CURRENT_VERSION names an existing version. */
  async current(): Promise<string | undefined> {
    const text = await fsp.readFile(path.join(this.versionsDir, CURRENT_VERSION_FILE), 'utf8').catch(ignoreMissing);
    const name = text?.trim() ?? '';
    return (await this.hasVersion(name)) ? name : undefined;
  }

  async active(): Promise<{ name: string } | undefined> {
    const name = await this.current();
    return name ? { name } : undefined;
  }

  async createdAt(name: string): Promise<Date | undefined> {
    return (await fsp.stat(this.versionDir(name)).catch(ignoreMissing))?.mtime;
  }

  listing(name: string): Promise<VersionListing | undefined> {
    return listVersion(this.versionDir(name));
  }

  async open(file: ListedFile): Promise<OpenedFile | undefined> {
    // A pruned version may vanish between listing and opening; that reads as "not found".
    const handle = await fsp.open(file.location, 'r').catch(ignoreMissing);
    if (!handle) return undefined;
    const stats = await handle.stat();
    return {
      file,
      size: stats.size,
      modified: stats.mtime,
      read: async (range) => handle.createReadStream(range ? { start: range.start, end: range.end } : {}),
      release: () => handle.close(),
    };
  }

  async readAppInfo(name: string): Promise<AppInfo | undefined> {
    const text = await fsp.readFile(path.join(this.versionDir(name), APP_INFO_FILE), 'utf8').catch(ignoreMissing);
    return text === undefined ? undefined : parseAppInfo(text);
  }

  createStaging(): Promise<StagedBundle> {
    return createStagingIn(this.stagingDir);
  }

  /**
   * Moves a complete staged tree into place as the next version. Its files were flushed as they were written;
   * the folders are fsynced before the rename so that a crash leaves either no version or a whole one. Another
   * process taking the same number makes the rename fail, and the next number is tried.
   */
  async publish(treeDir: string, writeVersionFiles: (versionNumber: number) => Promise<void>): Promise<string> {
    await fsp.mkdir(this.versionsDir, { recursive: true, mode: 0o755 });
    for (;;) {
      const [newest] = await this.versionNames();
      const number = (newest ? Number(newest) : 0) + 1;
      await writeVersionFiles(number);
      for (const dir of await listDirectories(treeDir)) await fsyncDirectory(dir);
      const name = versionName(number);
      try {
        await fsp.rename(treeDir, this.versionDir(name));
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST' || code === 'ENOTEMPTY') continue;
        throw err;
      }
      await fsyncDirectory(this.versionsDir);
      return name;
    }
  }

  /** Makes `name` the active version: new active/ built aside, CURRENT_VERSION rewritten, active/ swapped. */
  async activate(name: string): Promise<void> {
    const next = await this.buildActiveAside(name);
    try {
      await writeFileAtomic(path.join(this.versionsDir, CURRENT_VERSION_FILE), name);
    } catch (err) {
      await fsp.rm(next, { recursive: true, force: true });
      throw err;
    }
    await this.swapActive(next);
  }

  /** Removes a version; it first leaves the versions folder by rename, so no half-deleted version is listed. */
  async removeVersion(name: string): Promise<void> {
    const doomed = path.join(this.stagingDir, `removed-${name}-${crypto.randomUUID()}`);
    await fsp.mkdir(this.stagingDir, { recursive: true });
    await fsp.rename(this.versionDir(name), doomed);
    forgetListing(this.versionDir(name));
    await fsp.rm(doomed, { recursive: true, force: true });
  }

  /**
   * Start-up recovery (api-contract §5.3): leftovers of interrupted uploads and swaps are removed; a missing or
   * invalid CURRENT_VERSION falls back to the highest version; active/ is rebuilt when it does not hold the
   * current version.
   */
  async recover(): Promise<void> {
    await fsp.mkdir(this.versionsDir, { recursive: true, mode: 0o755 });
    await fsp.mkdir(this.stagingDir, { recursive: true, mode: 0o755 });
    await removeStale(this.stagingDir, () => true);
    await removeStale(this.root, (entry) => entry.startsWith('active.'));
    await removeStale(this.versionsDir, (entry) => entry.startsWith(`${CURRENT_VERSION_FILE}.`));
    let current = await this.current();
    const [newest] = await this.versionNames();
    if (!current && newest) {
      logger.info('app bundle: no valid CURRENT_VERSION; activating the highest version', { version: newest });
      await writeFileAtomic(path.join(this.versionsDir, CURRENT_VERSION_FILE), newest);
      current = newest;
    }
    if (current && !(await this.activeHolds(current))) {
      logger.info('app bundle: rebuilding active/', { version: current });
      await this.swapActive(await this.buildActiveAside(current));
    }
  }

  private async activeHolds(name: string): Promise<boolean> {
    const read = (dir: string) => fsp.readFile(path.join(dir, APP_INFO_FILE)).catch(ignoreMissing);
    const [active, version] = await Promise.all([read(this.activeDir), read(this.versionDir(name))]);
    return active !== undefined && version !== undefined && active.equals(version);
  }

  private async buildActiveAside(name: string): Promise<string> {
    const next = path.join(this.root, `active.${crypto.randomUUID()}`);
    try {
      await linkTree(this.versionDir(name), next);
    } catch (err) {
      await fsp.rm(next, { recursive: true, force: true });
      throw err;
    }
    return next;
  }

  private async swapActive(next: string): Promise<void> {
    const old = path.join(this.root, `active.old.${crypto.randomUUID()}`);
    await fsp.rename(this.activeDir, old).catch(ignoreMissing);
    await fsp.rename(next, this.activeDir);
    await fsp.rm(old, { recursive: true, force: true });
  }
}

/**
 * Leftovers of a crash. Only old ones go: another server process on the same data folder may be in the middle
 * of an upload or a switch right now.
 */
export async function removeStale(dir: string, matches: (entry: string) => boolean): Promise<void> {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const entry of await fsp.readdir(dir)) {
    if (!matches(entry)) continue;
    const file = path.join(dir, entry);
    const stats = await fsp.stat(file).catch(ignoreMissing);
    if (stats && stats.mtimeMs < cutoff) await fsp.rm(file, { recursive: true, force: true });
  }
}
