import crypto from 'node:crypto';
import fsp from 'node:fs/promises';
import path from 'node:path';
import mime from 'mime-types';
import { ignoreMissing, listFiles, sha256File } from '@/server/storage/files';
import { BUNDLE_ZIP } from '@/server/services/bundles/store';
import type { AppBundleFile, AppBundleManifest } from '@/server/wire/bundles';

/**
 * The manifest of a version (api-contract §5.4). A published version never changes, so its file list and
 * hashes are computed once per process and kept, keyed by the folder's identity (a pruned and re-created name
 * is a different folder).
 */

export interface ListedFile extends AppBundleFile {
  /** Where the bytes are: a path on disk, or a key of the shared file store. */
  location: string;
}

export interface VersionListing {
  /** The bundle's files by path, APP_INFO.json included, the uploaded zip excluded. */
  files: Map<string, ListedFile>;
  /** The zip as uploaded, when the version has one. */
  zip?: ListedFile;
}

const listings = new Map<string, { identity: string; listing: Promise<VersionListing> }>();

/** The listing of a version folder on disk; undefined when the folder is gone (pruned meanwhile). */
export async function listVersion(versionDir: string): Promise<VersionListing | undefined> {
  const stats = await fsp.stat(versionDir).catch(ignoreMissing);
  if (!stats) return undefined;
  // Inode numbers are reused after a deletion; together with the change time they name one folder.
  const identity = `${stats.ino}:${stats.ctimeMs}`;
  const cached = listings.get(versionDir);
  if (cached?.identity === identity) return cached.listing;
  const listing = readListing(versionDir);
  listings.set(versionDir, { identity, listing });
  listing.catch(() => listings.delete(versionDir));
  return listing.catch(ignoreMissing);
}

export function forgetListing(versionDir: string): void {
  listings.delete(versionDir);
}

/** Lists a folder: sizes, SHA-256 hashes and types of every file, sorted by path. */
export async function readListing(versionDir: string): Promise<VersionListing> {
  const listing: VersionListing = { files: new Map() };
  const found = (await listFiles(versionDir)).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const { path: relative, absolute } of found) {
    const stats = await fsp.stat(absolute);
    const file: ListedFile = {
      path: relative,
      size: stats.size,
      hash: await sha256File(absolute),
      mimeType: mime.contentType(path.extname(relative)) || 'application/octet-stream',
      modTime: stats.mtime.toISOString(),
      location: absolute,
    };
    if (relative === BUNDLE_ZIP) listing.zip = file;
    else listing.files.set(relative, file);
  }
  return listing;
}

/** RFC 3339 in UTC, whole seconds, as upstream writes `generatedAt`. */
const inSeconds = (time: Date) => time.toISOString().replace(/\.\d{3}Z$/, 'Z');
const nowInSeconds = () => inSeconds(new Date());

/**
 * `generatedAt` is the activation time where the store records one, so every instance builds the same manifest
 * (and ETag) for the same activation; else the time of building.
 */
export function buildManifest(version: string, listing: VersionListing, activatedAt?: Date): AppBundleManifest {
  const files = [...listing.files.values()].map(({ path: p, size, hash, mimeType, modTime }) => ({
    path: p,
    size,
    hash,
    mimeType,
    modTime,
  }));
  const generatedAt = activatedAt ? inSeconds(activatedAt) : nowInSeconds();
  const digest = crypto.createHash('sha256');
  for (const file of files) digest.update(`${file.path}${file.hash}${file.size}`);
  digest.update(version + generatedAt);
  return { files, version, generatedAt, hash: digest.digest('hex') };
}
