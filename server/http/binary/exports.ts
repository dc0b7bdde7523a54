import type { BinaryRoute } from '@/server/http/binary-routes';
import { zipResponse } from '@/server/http/zip-response';
import { parquetEntries } from '@/server/services/export/parquet';
import { rawJsonEntries } from '@/server/services/export/raw-json';

const zipBody = { 'application/zip': { schema: { type: 'string', format: 'binary' } } };

/** Data exports (api-contract §7): streamed zips, allowed from read-only up. */
export const exportsRoutes: BinaryRoute[] = [
  {
    method: 'GET',
    path: '/dataexport/parquet',
    role: 'read-only',
    // Parquet pages are compressed already: the zip stores them.
    handle: () => zipResponse(parquetEntries(), { filename: 'observations_export.zip', compress: false }),
    openapi: {
      tags: ['export'],
      summary: 'Live observations as one Parquet file per form type, in a streamed zip',
      responses: { 200: { description: '`<form_type>.parquet` entries', content: zipBody } },
    },
  },
  {
    method: 'GET',
    path: '/dataexport/raw-json',
    role: 'read-only',
    // Stored, not deflated: a zlib stream per small file cost ~1.5 ms per record (75x the Parquet export) and saved
    // almost nothing, since each record's JSON is compressed on its own.
    handle: () => zipResponse(rawJsonEntries(), { filename: 'observations_raw_json.zip', compress: false }),
    openapi: {
      tags: ['export'],
      summary: 'Live observations as `<form_type>/<observation_id>.json`, in a streamed zip',
      responses: { 200: { description: 'Pretty-printed records with their data verbatim', content: zipBody } },
    },
  },
];
