import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { limitBytes } from '@/server/byte-limit';
import { getConfig } from '@/server/config';
import { problem } from '@/server/problems';
import { logger } from '@/server/logger';
import { record, type AuditEvent } from '@/server/services/audit';
import type { UploadSource } from '@/server/services/upload-source';
import { buildAppInfo, serializeAppInfo, type FormSource } from '@/server/services/bundles/app-info';
import { compareVersions, emptyChangeLog } from '@/server/services/bundles/changelog';
import { buildManifest } from '@/server/services/bundles/manifest';
import {
  APP_INFO_FILE,
  BUNDLE_ZIP,
  bundleStore,
  exclusive,
  type BundleVersionStore,
  type OpenedFile,
  type StagedBundle,
} from '@/server/services/bundles/store';
import { writeFileAtomic } from '@/server/storage/files';
import {
  checkCoreFields,
  checkRendererReferences,
  checkStructure,
  readForms,
} from '@/server/services/bundles/validation';
import { BundleZip, UnsafeZipError } from '@/server/services/bundles/zip';
import type { AppBundleManifest, AppBundleVersionSummary, ChangeLog } from '@/server/wire/bundles';

/**
 * App bundles (api-contract §5): push (validate, extract, version), switch, versions, manifest, files, the
 * uploaded zip and change logs, over the configured version store (disk or shared). Readers resolve the active
 * version once per request and read the immutable version it names, so a concurrent switch or push never shows
 * them a half-built tree.
 */

/** 413 for an upload over SYNKRONUS_MAX_BUNDLE_BYTES. */
export const bundleTooLarge = () => problem('bundle.too_large', { maxBytes: getConfig().bundles.maxBytes });

/** Who pushed, as the audit log names them. */
type AuditOrigin = Pick<AuditEvent, 'actor' | 'ip' | 'clientId'>;

/**
 * The active manifest of each store, kept while the active version (and, where the store records it, its
 * activation) is the one read on each request: a switch by any instance replaces it at once.
 */
const activeManifests = new Map<string, { activation: string; manifest: AppBundleManifest }>();

export class BundleService {
  constructor(private readonly store: BundleVersionStore = bundleStore()) {}

  /**
   * Receives an uploaded zip, validates and extracts it and publishes it as the next version (never activated
   * here), then records who pushed it. Staging is removed in every case.
   */
  async push(source: UploadSource, origin: AuditOrigin): Promise<AppBundleManifest> {
    const manifest = await this.publish(await this.receive(source));
    await record({
      ...origin,
      action: 'bundle.push',
      target: manifest.version,
      details: { files: manifest.files.length },
    });
    return manifest;
  }

  /** Streams the uploaded zip into a staging folder, refusing it past the configured size. */
  private async receive(source: UploadSource): Promise<StagedBundle> {
    let staged: StagedBundle | undefined;
    try {
      return await source(async ({ content }) => {
        staged = await this.store.createStaging();
        const sink = fs.createWriteStream(staged.zipPath, { flags: 'wx', mode: 0o644, flush: true });
        await pipeline(content, limitBytes(getConfig().bundles.maxBytes, bundleTooLarge), sink);
        return staged;
      });
    } catch (err) {
      await staged?.discard();
      throw err;
    }
  }

  /** Validates and extracts a staged upload and publishes it as the next version. */
  private async publish(staged: StagedBundle): Promise<AppBundleManifest> {
    try {
      const layout = await this.extract(staged);
      const forms = await readForms(staged.treeDir, layout);
      checkRendererReferences(forms, layout.renderers);
      const version = await exclusive(() => this.commit(staged, forms, layout.renderers));
      logger.info('app bundle pushed', { version });
      return buildManifest(version, await this.listing(version));
    } catch (err) {
      if (err instanceof UnsafeZipError) throw problem('bundle.unsafe_zip', { detail: err.message });
      throw err;
    } finally {
      await staged.discard();
    }
  }

  /** Under the lock: the core-field rule against the version active right now, numbering, publishing, pruning. */
  private async commit(staged: StagedBundle, forms: Map<string, FormSource>, renderers: Set<string>): Promise<string> {
    const active = await this.store.current();
    checkCoreFields(forms, active ? await this.store.readAppInfo(active) : undefined);
    await fsp.rename(staged.zipPath, path.join(staged.treeDir, BUNDLE_ZIP));
    const appInfoPath = path.join(staged.treeDir, APP_INFO_FILE);
    const published = await this.store.publish(staged.treeDir, (number) =>
      writeFileAtomic(appInfoPath, serializeAppInfo(buildAppInfo(number, forms, renderers))),
    );
    await this.prune().catch((err: Error) => logger.error('app bundle pruning failed', { error: err.message }));
    return published;
  }

  private async extract(staged: StagedBundle) {
    const zip = await BundleZip.open(staged.zipPath, getConfig().bundles);
    try {
      const layout = checkStructure(zip.entries);
      await zip.extractTo(staged.treeDir);
      return layout;
    } finally {
      zip.close();
    }
  }

  /** Keeps the newest MAX_VERSIONS_KEPT versions, and the active one whatever its age. */
  private async prune(): Promise<void> {
    const active = await this.store.current();
    const names = await this.store.versionNames();
    for (const name of names.slice(getConfig().maxVersionsKept)) {
      if (name === active) continue;
      await this.store.removeVersion(name);
      logger.info('app bundle version pruned', { version: name });
    }
  }

  /** Newest first; the active version carries the suffix " *". */
  async versions(): Promise<string[]> {
    const active = await this.store.current();
    return (await this.store.versionNames()).map((name) => (name === active ? `${name} *` : name));
  }

  async list(): Promise<AppBundleVersionSummary[]> {
    const active = await this.store.current();
    const summaries: AppBundleVersionSummary[] = [];
    for (const version of await this.store.versionNames()) {
      const createdAt = await this.store.createdAt(version);
      if (!createdAt) continue;
      const info = await this.store.readAppInfo(version);
      summaries.push({
        version,
        active: version === active,
        createdAt: createdAt.toISOString(),
        formCount: Object.keys(info?.forms ?? {}).length,
      });
    }
    return summaries;
  }

  /** Activates a version and records who did. */
  async switchTo(rawVersion: string, origin: AuditOrigin): Promise<void> {
    const version = rawVersion.trim();
    if (!version) throw problem('bundle.version_required');
    await exclusive(async () => {
      if (!(await this.store.hasVersion(version))) throw problem('bundle.version_not_found', { version: version });
      await this.store.activate(version);
      activeManifests.delete(this.store.cacheKey);
    });
    logger.info('app bundle switched', { version });
    await record({ ...origin, action: 'bundle.switch', target: version });
  }

  /** The active version's manifest, or null when no version was ever activated. */
  async activeManifest(): Promise<AppBundleManifest | null> {
    const active = await this.store.active();
    if (!active) return null;
    const activation = `${active.name}@${active.since?.toISOString() ?? ''}`;
    const cached = activeManifests.get(this.store.cacheKey);
    if (cached?.activation === activation) return cached.manifest;
    const listing = await this.store.listing(active.name);
    if (!listing) return null;
    const manifest = buildManifest(active.name, listing, active.since);
    activeManifests.set(this.store.cacheKey, { activation, manifest });
    return manifest;
  }

  /**
   * Opens a bundle file by its path inside the version: the active one, or with `preview` the highest one.
   * Only files of the version's listing can be opened, so no path can reach outside it.
   */
  async openFile(filePath: string, preview: boolean): Promise<OpenedFile | undefined> {
    const relative = bundleRelativePath(filePath);
    const version = preview ? (await this.store.versionNames())[0] : await this.store.current();
    if (!version) return undefined;
    const file = (await this.store.listing(version))?.files.get(relative);
    return file && this.store.open(file);
  }

  /** The zip as uploaded for the active version. */
  async openActiveZip(): Promise<OpenedFile | undefined> {
    const version = await this.store.current();
    if (!version) return undefined;
    const zip = (await this.store.listing(version))?.zip;
    return zip && this.store.open(zip);
  }

  /**
   * Upstream's parameter rules (api-contract §5.5): `current` defaults to the oldest version; `preview=true`
   * compares with the newest; otherwise with the next newer version, or an empty log when there is none.
   * `target`, ignored upstream, is honoured here: it is what the portal and the CLI mean to compare with.
   */
  async changes(params: { current?: string; target?: string; preview?: boolean }): Promise<ChangeLog> {
    const names = await this.store.versionNames();
    const current = params.current || names.at(-1);
    if (!current) throw problem('bundle.no_versions');
    if (params.target) return this.compare(current, params.target);
    if (params.preview) return this.compare(current, names[0] ?? current);
    const index = names.indexOf(current);
    if (index < 0) throw problem('bundle.version_not_found', { version: current });
    if (index === 0) return emptyChangeLog(current);
    return this.compare(current, names[index - 1]);
  }

  async compare(a: string, b: string): Promise<ChangeLog> {
    return compareVersions(await this.comparable(a), await this.comparable(b));
  }

  private async listing(name: string) {
    const listing = (await this.store.hasVersion(name)) ? await this.store.listing(name) : undefined;
    if (!listing) throw problem('bundle.version_not_found', { version: name });
    return listing;
  }

  private async comparable(name: string) {
    const listing = await this.listing(name);
    const info = (await this.store.readAppInfo(name)) ?? { version: name, forms: {} };
    return { name, info, files: [...listing.files.values()] };
  }
}

/** Start-up recovery of the bundle folders (api-contract §5.3); called once before the server listens. */
export async function recoverBundles(): Promise<void> {
  await exclusive(() => bundleStore().recover());
}

/** A decoded download path as a path inside the version: empty and `.` segments dropped, `..` refused. */
export function bundleRelativePath(filePath: string): string {
  const segments = filePath.split('/').filter((segment) => segment !== '' && segment !== '.');
  if (segments.length === 0) throw problem('bundle.file_path_required');
  if (segments.some((segment) => segment === '..' || /[\\\u0000]/.test(segment))) {
    throw problem('bundle.invalid_file_path', { path: filePath });
  }
  return segments.join('/');
}
