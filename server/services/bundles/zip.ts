import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import yauzl from 'yauzl';
import { limitBytes } from '@/server/byte-limit';

/**
 * Reading an uploaded bundle zip without trusting it: every name is checked before anything is written,
 * declared sizes are capped, and the bytes actually inflated are counted while streaming (yauzl also fails an
 * entry whose data does not match its declared size). Nothing can land outside the extraction folder.
 */

export interface ZipLimits {
  maxEntries: number;
  maxUncompressedBytes: number;
  maxCompressionRatio: number;
}

export interface ZipEntryInfo {
  /** Without the trailing `/` of folder entries. */
  name: string;
  isDirectory: boolean;
}

/** The upload is not an acceptable zip; `message` says why, in words for the uploader. */
export class UnsafeZipError extends Error {}

/** Entries smaller than this are not ratio-checked: tiny files compress extremely well and harm nobody. */
const RATIO_CHECK_MIN_BYTES = 1024 * 1024;
const MAX_NAME_LENGTH = 1024;
const MAX_SEGMENT_BYTES = 255;

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

export class BundleZip {
  private constructor(
    private readonly zip: yauzl.ZipFile,
    private readonly rawEntries: Array<{ info: ZipEntryInfo; entry: yauzl.Entry }>,
    private readonly limits: ZipLimits,
  ) {}

  static async open(zipPath: string, limits: ZipLimits): Promise<BundleZip> {
    let zip: yauzl.ZipFile;
    try {
      zip = await yauzl.openPromise(zipPath, {
        lazyEntries: true,
        autoClose: false,
        strictFileNames: true,
        validateEntrySizes: true,
      });
    } catch (err) {
      throw new UnsafeZipError(`invalid zip file: ${(err as Error).message}`);
    }
    try {
      return new BundleZip(zip, await readEntries(zip, limits), limits);
    } catch (err) {
      zip.close();
      throw err;
    }
  }

  get entries(): ZipEntryInfo[] {
    return this.rawEntries.map(({ info }) => info);
  }

  /** Streams every entry into `root` (an empty folder), counting the inflated bytes against the cap. */
  async extractTo(root: string): Promise<void> {
    const cap = this.limits.maxUncompressedBytes;
    const inflated = limitBytes(cap, () => tooLargeUncompressed(cap));
    for (const { info, entry } of this.rawEntries) {
      const target = path.join(root, ...info.name.split('/'));
      if (info.isDirectory) await fsp.mkdir(target, { recursive: true, mode: 0o755 });
      else await this.extractFile(info.name, entry, target, inflated);
    }
  }

  /** `inflated` is the limiter every entry of the zip passes through. */
  private async extractFile(
    name: string,
    entry: yauzl.Entry,
    target: string,
    inflated: ReturnType<typeof limitBytes>,
  ): Promise<void> {
    await fsp.mkdir(path.dirname(target), { recursive: true, mode: 0o755 });
    const invalidEntry = (err: Error) => new UnsafeZipError(`invalid zip entry '${name}': ${err.message}`);
    const source: Readable = await this.zip.openReadStreamPromise(entry).catch((err: Error) => {
      throw invalidEntry(err);
    });
    // The name was checked and is new: 'wx' still refuses to follow or replace anything already there.
    const sink = fs.createWriteStream(target, { flags: 'wx', mode: 0o644, flush: true });
    await pipeline(source, inflated, sink).catch((err: Error) => {
      // File-system failures stay server errors; anything else is the zip's fault.
      throw err instanceof UnsafeZipError || (err as NodeJS.ErrnoException).syscall ? err : invalidEntry(err);
    });
  }

  close(): void {
    this.zip.close();
  }
}

async function readEntries(zip: yauzl.ZipFile, limits: ZipLimits) {
  if (zip.entryCount > limits.maxEntries) {
    throw new UnsafeZipError(`zip has ${zip.entryCount} entries, more than the limit of ${limits.maxEntries}`);
  }
  const entries: Array<{ info: ZipEntryInfo; entry: yauzl.Entry }> = [];
  const seen = new Set<string>();
  let declaredTotal = 0;
  try {
    for await (const entry of zip.eachEntry()) {
      const info = describeEntry(entry);
      const key = info.name.toLowerCase();
      if (seen.has(key)) throw new UnsafeZipError(`duplicate zip entry '${info.name}'`);
      seen.add(key);
      declaredTotal += entry.uncompressedSize;
      if (declaredTotal > limits.maxUncompressedBytes) {
        throw tooLargeUncompressed(limits.maxUncompressedBytes);
      }
      checkCompressionRatio(entry, info.name, limits.maxCompressionRatio);
      entries.push({ info, entry });
    }
  } catch (err) {
    if (err instanceof UnsafeZipError) throw err;
    // yauzl's own refusals: absolute paths, `..`, backslashes, broken central directory.
    throw new UnsafeZipError(`unsafe zip entry: ${(err as Error).message}`);
  }
  checkFileFolderConflicts(entries.map(({ info }) => info));
  return entries;
}

function describeEntry(entry: yauzl.Entry): ZipEntryInfo {
  const raw = entry.fileName;
  const isDirectory = raw.endsWith('/');
  const name = isDirectory ? raw.slice(0, -1) : raw;
  checkName(raw, name);
  const type = (entry.externalFileAttributes >>> 16) & S_IFMT;
  if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) {
    throw new UnsafeZipError(`zip entry '${raw}' is a symbolic link or special file`);
  }
  if (type === S_IFDIR && !isDirectory)
    throw new UnsafeZipError(`zip entry '${raw}' is a folder without a trailing '/'`);
  if (!isDirectory && !entry.canDecodeFileData()) {
    throw new UnsafeZipError(`zip entry '${raw}' is encrypted or uses an unsupported compression method`);
  }
  return { name, isDirectory };
}

function checkName(raw: string, name: string): void {
  // Control characters (NUL included) have no place in a file name.
  if (/[\u0000-\u001f\u007f]/.test(raw))
    throw new UnsafeZipError(`zip entry name contains control characters: ${JSON.stringify(raw)}`);
  if (raw.length > MAX_NAME_LENGTH)
    throw new UnsafeZipError(`zip entry name is longer than ${MAX_NAME_LENGTH} characters`);
  for (const segment of name.split('/')) {
    if (segment === '' || segment === '.' || segment === '..')
      throw new UnsafeZipError(`unsafe zip entry name '${raw}'`);
    if (Buffer.byteLength(segment) > MAX_SEGMENT_BYTES)
      throw new UnsafeZipError(`zip entry name segment too long in '${raw}'`);
  }
}

function checkCompressionRatio(entry: yauzl.Entry, name: string, maxRatio: number): void {
  if (entry.uncompressedSize < RATIO_CHECK_MIN_BYTES) return;
  const ratio = entry.uncompressedSize / Math.max(entry.compressedSize, 1);
  if (ratio > maxRatio) {
    throw new UnsafeZipError(
      `zip entry '${name}' has a compression ratio of ${Math.round(ratio)}:1, above the limit of ${maxRatio}:1`,
    );
  }
}

/** `a/b` as a file and `a/b/c` as another entry cannot both be extracted. */
function checkFileFolderConflicts(entries: ZipEntryInfo[]): void {
  const folders = new Set<string>();
  for (const { name } of entries) {
    const segments = name.toLowerCase().split('/');
    for (let i = 1; i < segments.length; i++) folders.add(segments.slice(0, i).join('/'));
  }
  for (const { name, isDirectory } of entries) {
    if (!isDirectory && folders.has(name.toLowerCase()))
      throw new UnsafeZipError(`zip entry '${name}' is both a file and a folder`);
  }
}

function tooLargeUncompressed(cap: number): UnsafeZipError {
  return new UnsafeZipError(`zip expands to more than ${cap} bytes uncompressed`);
}
