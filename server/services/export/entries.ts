import type { Readable } from 'node:stream';
import { ExportRepository, type ExportCursor } from '@/server/db/repositories/export';
import type { ObservationRow } from '@/server/db/repositories/observations';

/** One file of an export zip, produced while the zip is written. */
export interface ExportEntry {
  name: string;
  stream: Readable;
}

const PAGE_SIZE = 2000;

/** `/ \ : * ? " < > |` become `_`, at most 100 characters (api-contract §7.1); an empty name becomes `unknown`. */
export function sanitizeFileName(name: string): string {
  return name.replace(/[/\\:*?"<>|]/g, '_').slice(0, 100) || 'unknown';
}

/** Distinct names for values that sanitise alike: `a_b`, `a_b_2`, … */
export function uniqueNamer(): (name: string) => string {
  const taken = new Set<string>();
  return (name) => {
    let candidate = name;
    for (let n = 2; taken.has(candidate); n++) candidate = `${name}_${n}`;
    taken.add(candidate);
    return candidate;
  };
}

/** Live observations page by page (keyset on created_at, id), so memory does not grow with the row count. */
export async function* livePages(formType?: string, repository = new ExportRepository()): AsyncGenerator<ObservationRow[]> {
  let after: ExportCursor | undefined;
  for (;;) {
    const page = await repository.page(formType, after, PAGE_SIZE);
    if (page.length > 0) yield page;
    if (page.length < PAGE_SIZE) return;
    const last = page[page.length - 1];
    after = { createdAt: last.created_at, observationId: last.observation_id };
  }
}
