import { ExportRepository } from '@/server/db/repositories/export';
import { toWireRecord } from '@/server/services/sync/wire-record';
import { clashFreeNamer, livePages, sanitizeFileName, type ExportEntry } from '@/server/services/export/entries';

/**
 * The raw JSON export (api-contract §7.2): `<form_type>/<observation_id>.json` per live observation,
 * pretty-printed, with the stored `data` object verbatim (upstream rebuilt it from flattened columns).
 * Each file is a few hundred bytes: it is handed to the zip as bytes, with no stream and no await of its own.
 */
export async function* rawJsonEntries(repository = new ExportRepository()): AsyncGenerator<ExportEntry> {
  const fileStem = clashFreeNamer((id) => repository.isLiveObservationId(id));
  const folders = new Map<string, string>();
  for await (const page of livePages(undefined, repository)) {
    for (const row of page) {
      const { data, ...fields } = toWireRecord(row);
      let folder = folders.get(row.form_type);
      if (folder === undefined) folders.set(row.form_type, (folder = sanitizeFileName(row.form_type)));
      const stem = fileStem(row.observation_id);
      const name = `${folder}/${typeof stem === 'string' ? stem : await stem}.json`;
      yield { name, content: Buffer.from(JSON.stringify({ ...fields, data }, null, 2) + '\n') };
    }
  }
}
