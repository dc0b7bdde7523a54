import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { dataPaths } from '@/server/storage/paths';
import { parseAppInfo, type AppInfo } from '@/server/services/bundles/app-info';
import { fsyncDirectory, ignoreMissing, linkTree, listDirectories, writeFileAtomic } from '@/server/services/bundles/files';
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

let lockTail: Promise<unknown> = Promise.resolve();

/** Runs `task` after every earlier one of this process: version numbering, switches and pruning never interleave. */
export function exclusive<T>(task: () => Promise<T>): Promise<T> {
  const run = lockTail.then(task, task);
  lockTail = run.catch(() => undefined);
  return run;
}

export class BundleStore {
  readonly root: string;
  readonly versionsDir: string;
  readonly activeDir: string;
  readonly stagingDir: string;

  constructor() {
    const paths = dataPaths();
    this.root = paths.appBundle;
    this.versionsDir = paths.appBundleVersions;
    this.activeDir = paths.appBundleActive;
    this.stagingDir = path.join(paths.appBundle, 'staging');
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

  async readAppInfo(name: string): Promise<AppInfo | undefined> {
    const text = await fsp.readFile(path.join(this.versionDir(name), APP_INFO_FILE), 'utf8').catch(ignoreMissing);
    return text === undefined ? undefined : parseAppInfo(text);
  }

  async createStaging(): Promise<StagedBundle> {
    const dir = path.join(this.stagingDir, crypto.randomUUID());
    await fsp.mkdir(path.join(dir, 'tree'), { recursive: true, mode: 0o755 });
    return {
      zipPath: path.join(dir, BUNDLE_ZIP),
      treeDir: path.join(dir, 'tree'),
      discard: () => fsp.rm(dir, { recursive: true, force: true }),
    };
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
async function removeStale(dir: string, matches: (entry: string) => boolean): Promise<void> {
  const cutoff = Date.now() - STALE_AFTER_MS;
  for (const entry of await fsp.readdir(dir)) {
    if (!matches(entry)) continue;
    const file = path.join(dir, entry);
    const stats = await fsp.stat(file).catch(ignoreMissing);
    if (stats && stats.mtimeMs < cutoff) await fsp.rm(file, { recursive: true, force: true });
  }
}
