import fs from 'node:fs';
import { text } from 'node:stream/consumers';
import { databaseUrl } from '@/server/db/client';
import { AppBundleRepository, type StoredBundleFile } from '@/server/db/repositories/app-bundles';
import { parseAppInfo, type AppInfo } from '@/server/services/bundles/app-info';
import { readListing, type ListedFile, type VersionListing } from '@/server/services/bundles/manifest';
import {
  APP_INFO_FILE,
  BUNDLE_ZIP,
  createStagingIn,
  isVersionName,
  removeStale,
  versionName,
  type BundleVersionStore,
  type OpenedFile,
  type StagedBundle,
} from '@/server/services/bundles/store';
import type { FileStore } from '@/server/storage/file-store';

const VERSIONS_PREFIX = 'app-bundle/versions/';

/** Published versions never change and their numbers are never reused, so their listings are kept per process. */
const listings = new Map<string, Promise<VersionListing | undefined>>();
const appInfos = new Map<string, Promise<AppInfo | undefined>>();

/**
 * App bundle versions for several instances: files in the shared object store under
 * `app-bundle/versions/<NNNN>/`, the catalogue (versions, listings, the active one) in PostgreSQL. A push
 * uploads every file first and then inserts its row, so a version appears whole or not at all; the active
 * version is read from the database on every request, so a switch is seen by every instance once it commits.
 * Uploads are staged on the local disk of the instance that received them.
 */
export class ObjectBundleStore implements BundleVersionStore {
  readonly cacheKey: string;

  constructor(
    private readonly store: FileStore,
    private readonly stagingDir: string,
    private readonly catalogue = new AppBundleRepository(),
  ) {
    this.cacheKey = `s3:${stagingDir}`;
  }

  async versionNames(): Promise<string[]> {
    return (await this.catalogue.versionNumbers()).map(versionName);
  }

  async hasVersion(name: string): Promise<boolean> {
    return (
      isVersionName(name) &&
      (await this.catalogue.createdAt(Number(name))) !== undefined &&
      versionName(Number(name)) === name
    );
  }

  async current(): Promise<string | undefined> {
    return (await this.active())?.name;
  }

  async active(): Promise<{ name: string; since: Date } | undefined> {
    const active = await this.catalogue.active();
    return active && { name: versionName(active.version), since: active.activatedAt };
  }

  createdAt(name: string): Promise<Date | undefined> {
    return this.catalogue.createdAt(Number(name));
  }

  readAppInfo(name: string): Promise<AppInfo | undefined> {
    return remembered(appInfos, this.cacheKeyOf(name), async () => {
      const object = await this.store.read(this.key(name, APP_INFO_FILE));
      return object && parseAppInfo(await text(object.stream));
    });
  }

  listing(name: string): Promise<VersionListing | undefined> {
    return remembered(listings, this.cacheKeyOf(name), async () => {
      const row = await this.catalogue.find(Number(name));
      if (!row) return undefined;
      const listing: VersionListing = { files: new Map() };
      for (const { zip, ...file } of row.files) {
        const listed: ListedFile = { ...file, location: this.key(name, file.path) };
        if (zip) listing.zip = listed;
        else listing.files.set(file.path, listed);
      }
      return listing;
    });
  }

  async open(file: ListedFile): Promise<OpenedFile | undefined> {
    return {
      file,
      size: file.size,
      modified: new Date(file.modTime),
      read: async (range) => (await this.store.read(file.location, range))?.stream,
      release: async () => undefined,
    };
  }

  createStaging(): Promise<StagedBundle> {
    return createStagingIn(this.stagingDir);
  }

  /** Under the app-bundle lock: the number is free in the catalogue; leftovers of a cut push under it go first. */
  async publish(treeDir: string, writeVersionFiles: (versionNumber: number) => Promise<void>): Promise<string> {
    const number = await this.catalogue.nextVersion();
    const name = versionName(number);
    await writeVersionFiles(number);
    const listing = await readListing(treeDir);
    const files: StoredBundleFile[] = [...listing.files.values()].map(({ location: _location, ...file }) => file);
    if (listing.zip) {
      const { location: _location, ...zip } = listing.zip;
      files.push({ ...zip, path: BUNDLE_ZIP, zip: true });
    }
    await this.store.removeAll(this.key(name, ''));
    for (const file of [...listing.files.values(), ...(listing.zip ? [listing.zip] : [])]) {
      await this.store.put(this.key(name, file.path), fs.createReadStream(file.location));
    }
    await this.catalogue.insert(number, files);
    return name;
  }

  async activate(name: string): Promise<void> {
    await this.catalogue.activate(Number(name));
  }

  /** The row goes first, so the version leaves every listing before its files are deleted. */
  async removeVersion(name: string): Promise<void> {
    await this.catalogue.remove(Number(name));
    await this.store.removeAll(this.key(name, ''));
  }

  /** Only this instance's own staging leftovers; the catalogue and the objects need no repair. */
  async recover(): Promise<void> {
    await fs.promises.mkdir(this.stagingDir, { recursive: true, mode: 0o755 });
    await removeStale(this.stagingDir, () => true);
  }

  private key(name: string, filePath: string): string {
    return `${VERSIONS_PREFIX}${name}/${filePath}`;
  }

  /** Numbers are never reused within one database; the URL tells databases apart (tests use several). */
  private cacheKeyOf(name: string): string {
    return `${databaseUrl()}|${name}`;
  }
}

function remembered<T>(
  cache: Map<string, Promise<T | undefined>>,
  key: string,
  load: () => Promise<T | undefined>,
): Promise<T | undefined> {
  let entry = cache.get(key);
  if (!entry) {
    entry = load();
    cache.set(key, entry);
    // Absent or failed loads are not kept: the version may be published a moment later.
    entry.then(
      (value) => value === undefined && cache.delete(key),
      () => cache.delete(key),
    );
  }
  return entry;
}
