import { Readable } from 'node:stream';
import { toWireRecord } from '@/server/services/sync/service';
import { livePages, sanitizeFileName, uniqueNamer, type ExportEntry } from '@/server/services/export/entries';

/**
 * The raw JSON export (api-contract §7.2): `<form_type>/<observation_id>.json` per live observation,
 * pretty-printed, with the stored `data` object verbatim (upstream rebuilt it from flattened columns).
 */
export async function* rawJsonEntries(): AsyncGenerator<ExportEntry> {
  const uniqueName = uniqueNamer();
  for await (const page of livePages()) {
    for (const row of page) {
      const { data, ...fields } = toWireRecord(row);
      const name = uniqueName(`${sanitizeFileName(row.form_type)}/${sanitizeFileName(row.observation_id)}.json`);
      yield { name, stream: Readable.from([JSON.stringify({ ...fields, data }, null, 2) + '\n']) };
    }
  }
}
