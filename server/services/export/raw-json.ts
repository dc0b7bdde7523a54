import { Readable } from 'node:stream';
import { ExportRepository } from '@/server/db/repositories/export';
import { toWireRecord } from '@/server/services/sync/service';
import { clashFreeNamer, livePages, sanitizeFileName, type ExportEntry } from '@/server/services/export/entries';

/**
 * The raw JSON export (api-contract §7.2): `<form_type>/<observation_id>.json` per live observation,
 * pretty-printed, with the stored `data` object verbatim (upstream rebuilt it from flattened columns).
 */
export async function* rawJsonEntries(repository = new ExportRepository()): AsyncGenerator<ExportEntry> {
  const fileStem = clashFreeNamer((id) => repository.isLiveObservationId(id));
  for await (const page of livePages(undefined, repository)) {
    for (const row of page) {
      const { data, ...fields } = toWireRecord(row);
      const name = `${sanitizeFileName(row.form_type)}/${await fileStem(row.observation_id)}.json`;
      yield { name, stream: Readable.from([JSON.stringify({ ...fields, data }, null, 2) + '\n']) };
    }
  }
}
