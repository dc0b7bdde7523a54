import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { AttachmentId } from '@/server/domain/attachments';
import { fsyncDirectory, ignoreMissing } from '@/server/storage/files';
import { fileStore } from '@/server/storage/configured-store';
import { attachmentStagingRoot, ObjectAttachmentStore } from '@/server/storage/object-attachment-store';
import { dataPaths } from '@/server/storage/paths';

/**
 * Where attachment bytes live (api-contract §4.1). Uploads are first staged (streamed to a private file,
 * fsynced), then published under their id without ever replacing an existing file. The served copy and the
 * kept original are two areas of the same store. ObjectAttachmentStore is the second implementation, on S3:
 * staging stays local, publish becomes a conditional put.
 */
export interface AttachmentStore {
  /** Streams `source` into a staging file (fsynced); rejects with the source's error, leaving nothing. */
  stage(source: AsyncIterable<Uint8Array>): Promise<StagedFile>;
  /** A staging file written by `write(path)` (e.g. an image encoder writing to a path), then fsynced. */
  stageOutput(write: (path: string) => Promise<void>): Promise<StagedFile>;
  /** Publishes the served copy (and the original, if any) under `id`; AttachmentExistsError if taken. */
  publish(id: AttachmentId, copies: { served: StagedFile; original?: StagedFile }): Promise<void>;
  /** Removes both copies of `id` (rolls back a publish). */
  remove(id: AttachmentId): Promise<void>;
  /** The original when asked for and present, else the served copy. */
  open(id: AttachmentId, preferOriginal: boolean): Promise<StoredFile | undefined>;
  stat(id: AttachmentId, preferOriginal: boolean): Promise<StoredFileInfo | undefined>;
}

export interface StagedFile {
  readonly path: string;
  readonly size: number;
  /** Removes the staging file; harmless after a publish (the published names are separate links). */
  discard(): Promise<void>;
}

export interface StoredFileInfo {
  size: number;
  modified: Date;
}

export interface StoredFile extends StoredFileInfo {
  /** Closes its file when read to the end or destroyed. */
  stream: Readable;
}

export class AttachmentExistsError extends Error {
  constructor() {
    super('attachment already exists');
  }
}

/** A name no attachment id can take: `~` is outside the id alphabet. */
const STAGING_DIR = '~staging';
/** Staging files this old are leftovers of a crash; no upload runs that long. */
const STALE_STAGING_MS = 24 * 60 * 60 * 1000;

const sweptStagingDirs = new Set<string>();

/** The configured store: the two folders under the data root, or the shared object store. */
export function attachmentStore(): AttachmentStore {
  const paths = dataPaths();
  const shared = fileStore();
  if (shared.kind === 's3') return new ObjectAttachmentStore(shared, attachmentStagingRoot(paths.temp));
  return new FileAttachmentStore(paths.attachments, paths.attachmentsUncompressed);
}

export class FileAttachmentStore implements AttachmentStore {
  constructor(
    private readonly servedRoot: string,
    private readonly originalRoot: string,
  ) {}

  async stage(source: AsyncIterable<Uint8Array>): Promise<StagedFile> {
    const file = await this.newStagingPath();
    const sink = fs.createWriteStream(file, { flags: 'wx', mode: 0o644, flush: true });
    try {
      await pipeline(source, sink);
    } catch (err) {
      await fsp.rm(file, { force: true });
      throw err;
    }
    return stagedFile(file, sink.bytesWritten);
  }

  async stageOutput(write: (path: string) => Promise<void>): Promise<StagedFile> {
    const file = await this.newStagingPath();
    try {
      await write(file);
      const handle = await fsp.open(file, 'r');
      try {
        await handle.sync();
        return stagedFile(file, (await handle.stat()).size);
      } finally {
        await handle.close();
      }
    } catch (err) {
      await fsp.rm(file, { force: true });
      throw err;
    }
  }

  async publish(id: AttachmentId, copies: { served: StagedFile; original?: StagedFile }): Promise<void> {
    const original = this.location(this.originalRoot, id);
    if (copies.original) await linkAsNewFile(copies.original.path, original);
    try {
      await linkAsNewFile(copies.served.path, this.location(this.servedRoot, id));
    } catch (err) {
      if (copies.original) await fsp.rm(original, { force: true });
      throw err;
    }
  }

  async remove(id: AttachmentId): Promise<void> {
    await fsp.rm(this.location(this.servedRoot, id), { force: true });
    await fsp.rm(this.location(this.originalRoot, id), { force: true });
  }

  async open(id: AttachmentId, preferOriginal: boolean): Promise<StoredFile | undefined> {
    for (const file of this.candidates(id, preferOriginal)) {
      const opened = await openRegularFile(file);
      if (opened) return opened;
    }
    return undefined;
  }

  async stat(id: AttachmentId, preferOriginal: boolean): Promise<StoredFileInfo | undefined> {
    for (const file of this.candidates(id, preferOriginal)) {
      const stats = await fsp.stat(file).catch(ignoreMissing);
      if (stats?.isFile()) return { size: stats.size, modified: stats.mtime };
    }
    return undefined;
  }

  private candidates(id: AttachmentId, preferOriginal: boolean): string[] {
    const served = this.location(this.servedRoot, id);
    return preferOriginal ? [this.location(this.originalRoot, id), served] : [served];
  }

  private location(root: string, id: AttachmentId): string {
    return path.join(root, ...id.split('/'));
  }

  /** Staging lives beside the served files, so publishing is a link() on the same file system. */
  private async newStagingPath(): Promise<string> {
    const dir = path.join(this.servedRoot, STAGING_DIR);
    await fsp.mkdir(dir, { recursive: true });
    if (!sweptStagingDirs.has(dir)) {
      sweptStagingDirs.add(dir);
      await removeStaleFiles(dir);
    }
    return path.join(dir, `${crypto.randomUUID()}.tmp`);
  }
}

function stagedFile(file: string, size: number): StagedFile {
  return { path: file, size, discard: () => fsp.rm(file, { force: true }) };
}

/** link() never replaces an existing name, even under concurrent uploads of the same id. */
async function linkAsNewFile(from: string, to: string): Promise<void> {
  const dir = path.dirname(to);
  try {
    await fsp.mkdir(dir, { recursive: true });
    await fsp.link(from, to);
  } catch (err) {
    // EEXIST: the name is taken; ENOTDIR: a parent segment of the id is an existing file.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR') throw new AttachmentExistsError();
    throw err;
  }
  await fsyncDirectory(dir);
}

async function openRegularFile(file: string): Promise<StoredFile | undefined> {
  const handle = await fsp.open(file, 'r').catch(ignoreMissing);
  if (!handle) return undefined;
  const stats = await handle.stat();
  if (!stats.isFile()) {
    await handle.close();
    return undefined;
  }
  return { stream: handle.createReadStream(), size: stats.size, modified: stats.mtime };
}

async function removeStaleFiles(dir: string): Promise<void> {
  const cutoff = Date.now() - STALE_STAGING_MS;
  for (const name of await fsp.readdir(dir)) {
    const file = path.join(dir, name);
    const stats = await fsp.stat(file).catch(ignoreMissing);
    if (stats && stats.mtimeMs < cutoff) await fsp.rm(file, { force: true });
  }
}
