import type { Readable } from 'node:stream';
import { ExportRepository } from '@/server/db/repositories/export';
import type { ObservationRow } from '@/server/db/repositories/observations';

/** One file of an export zip, produced while the zip is written. */
export interface ExportEntry {
  name: string;
  /** A small file's bytes, or a stream of a large one's. */
  content: Uint8Array | Readable;
}

const PAGE_SIZE = 2000;

/** `/ \ : * ? " < > |` become `_`, at most 100 characters (api-contract §7.1); an empty name becomes `unknown`. */
export function sanitizeFileName(name: string): string {
  return name.replace(/[/\\:*?"<>|]/g, '_').slice(0, 100) || 'unknown';
}

/**
 * Distinct sanitised names without remembering every one: the originals are unique, so only a name that sanitising
 * changed can clash — with another changed one (remembered) or with an original spelled like it (`isOriginal`).
 * A clash gets `_2`, `_3`, …; unchanged names are kept as they are.
 */
export function clashFreeNamer(
  isOriginal: (name: string) => boolean | Promise<boolean>,
): (original: string) => string | Promise<string> {
  const changed = new Set<string>();
  const renamed = async (name: string) => {
    let candidate = name;
    for (let n = 2; changed.has(candidate) || (await isOriginal(candidate)); n++) candidate = `${name}_${n}`;
    changed.add(candidate);
    return candidate;
  };
  // An unchanged name (nearly all of them) is answered at once: no promise, no await per row.
  return (original) => {
    const name = sanitizeFileName(original);
    return name === original ? name : renamed(name);
  };
}

/**
 * Live observations page by page (keyset on created_at, id), so memory does not grow with the row count. The next
 * page is already being read while the caller works on this one.
 */
export async function* livePages(
  formType?: string,
  repository = new ExportRepository(),
): AsyncGenerator<ObservationRow[]> {
  let next = repository.page(formType, undefined, PAGE_SIZE);
  for (;;) {
    const page = await next;
    if (page.length === PAGE_SIZE) {
      const last = page[page.length - 1];
      next = repository.page(formType, { createdAt: last.created_at, observationId: last.observation_id }, PAGE_SIZE);
      // Starts the read (a Prisma query runs once something awaits it), and a caller that stops early never awaits
      // it: its failure must not become an unhandled rejection.
      next.catch(() => undefined);
    }
    if (page.length > 0) yield page;
    if (page.length < PAGE_SIZE) return;
  }
}
