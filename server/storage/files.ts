import crypto from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';

/** File-system steps the stores compose: durable writes, tree walks, hard-linked copies. */

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `data` under a temporary name in the same folder, fsyncs it and renames it over `file`. */
export async function writeFileAtomic(file: string, data: string): Promise<void> {
  const temp = `${file}.${crypto.randomUUID()}.tmp`;
  try {
    await fsp.writeFile(temp, data, { mode: 0o644, flush: true });
    await fsp.rename(temp, file);
  } catch (err) {
    await fsp.rm(temp, { force: true });
    throw err;
  }
  await fsyncDirectory(path.dirname(file));
}

export interface TreeFile {
  /** Relative to the walked root, with `/`. */
  path: string;
  absolute: string;
}

/** Regular files under `root`, depth first; anything that is neither a file nor a folder is skipped. */
export async function listFiles(root: string, prefix = ''): Promise<TreeFile[]> {
  const files: TreeFile[] = [];
  for (const entry of await fsp.readdir(path.join(root, prefix), { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listFiles(root, relative)));
    else if (entry.isFile()) files.push({ path: relative, absolute: path.join(root, relative) });
  }
  return files;
}

export async function listDirectories(root: string): Promise<string[]> {
  const dirs = [root];
  for (const entry of await fsp.readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory()) dirs.push(...(await listDirectories(path.join(root, entry.name))));
  }
  return dirs;
}

export async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  await pipeline(fs.createReadStream(file), hash);
  return hash.digest('hex');
}

/**
 * Recreates the tree of `from` at `to` (which must not exist) with hard links: published versions are never
 * modified in place, so sharing their inodes is safe. Falls back to copying where links are not possible.
 */
export async function linkTree(from: string, to: string): Promise<void> {
  await fsp.mkdir(to, { recursive: false, mode: 0o755 });
  for (const entry of await fsp.readdir(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (entry.isDirectory()) await linkTree(source, target);
    else if (entry.isFile()) await linkOrCopy(source, target);
  }
}

async function linkOrCopy(source: string, target: string): Promise<void> {
  try {
    await fsp.link(source, target);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EMLINK') throw err;
    await fsp.copyFile(source, target, fs.constants.COPYFILE_EXCL);
  }
}

export function ignoreMissing(err: NodeJS.ErrnoException): undefined {
  if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
  throw err;
}
