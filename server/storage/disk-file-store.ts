import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fsyncDirectory, ignoreMissing } from '@/server/storage/files';
import {
  ObjectExistsError,
  StorageUnavailableError,
  type ByteRange,
  type FileStore,
  type ListedObject,
  type StoredObject,
  type StoredObjectInfo,
} from '@/server/storage/file-store';

/** Keys as paths under a root folder; a write goes to a temporary file, is fsynced and then linked or renamed. */
export class DiskFileStore implements FileStore {
  readonly kind = 'disk';
  private readonly tempDir: string;

  constructor(private readonly root: string) {
    // `~` cannot start a key segment the services use, so no key lands in here.
    this.tempDir = path.join(root, '~tmp');
  }

  async put(key: string, body: Readable, options: { exclusive?: boolean } = {}): Promise<void> {
    await fsp.mkdir(this.tempDir, { recursive: true });
    const temp = path.join(this.tempDir, `${crypto.randomUUID()}.tmp`);
    const target = this.location(key);
    try {
      await pipeline(body, fs.createWriteStream(temp, { flags: 'wx', mode: 0o644, flush: true }));
      await fsp.mkdir(path.dirname(target), { recursive: true });
      if (options.exclusive) await linkExclusive(temp, target, key);
      else await fsp.rename(temp, target);
      await fsyncDirectory(path.dirname(target));
    } finally {
      await fsp.rm(temp, { force: true });
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    const stats = await fsp.stat(this.location(key)).catch(ignoreMissing);
    return stats?.isFile() ? { size: stats.size, modified: stats.mtime } : undefined;
  }

  async read(key: string, range?: ByteRange): Promise<StoredObject | undefined> {
    const handle = await fsp.open(this.location(key), 'r').catch(ignoreMissing);
    if (!handle) return undefined;
    const stats = await handle.stat();
    if (!stats.isFile()) {
      await handle.close();
      return undefined;
    }
    const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { stream, size: stats.size, modified: stats.mtime };
  }

  async *list(prefix: string): AsyncGenerator<ListedObject> {
    const files = await this.walk('');
    for (const key of files.filter((k) => k.startsWith(prefix)).sort()) {
      const info = await this.stat(key);
      if (info) yield { key, ...info };
    }
  }

  async remove(key: string): Promise<void> {
    await fsp.rm(this.location(key), { force: true });
  }

  async removeAll(prefix: string): Promise<void> {
    for (const key of await this.walk('')) if (key.startsWith(prefix)) await this.remove(key);
  }

  async check(): Promise<void> {
    try {
      await fsp.mkdir(this.root, { recursive: true });
      await fsp.access(this.root, fs.constants.W_OK);
    } catch (err) {
      throw new StorageUnavailableError(`data directory ${this.root} is not writable: ${(err as Error).message}`);
    }
  }

  private location(key: string): string {
    const segments = key.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..')) throw new Error(`invalid storage key: ${key}`);
    return path.join(this.root, ...segments);
  }

  private async walk(relative: string): Promise<string[]> {
    const entries = await fsp.readdir(path.join(this.root, relative), { withFileTypes: true }).catch(ignoreMissing);
    const keys: string[] = [];
    for (const entry of entries ?? []) {
      const key = relative ? `${relative}/${entry.name}` : entry.name;
      if (entry.isDirectory() && key !== '~tmp') keys.push(...(await this.walk(key)));
      else if (entry.isFile()) keys.push(key);
    }
    return keys;
  }
}

/** link() never replaces an existing name, even when two writers race for it. */
async function linkExclusive(from: string, to: string, key: string): Promise<void> {
  try {
    await fsp.link(from, to);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new ObjectExistsError(key);
    throw err;
  }
}
