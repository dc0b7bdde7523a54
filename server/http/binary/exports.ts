import type { BinaryRoute } from '@/server/http/binary-routes';
import { zipResponse } from '@/server/http/zip-response';
import { parquetEntries } from '@/server/services/export/parquet';
import { rawJsonEntries } from '@/server/services/export/raw-json';
import { getParquetExportZip, getRawJsonExportZip } from '@/server/wire/stats';
import { record, requestOrigin } from '@/server/services/audit';

/** Data exports (api-contract §7): streamed zips, allowed from read-only up. */
export const exportsRoutes: BinaryRoute[] = [
  {
    method: 'GET',
    path: '/dataexport/parquet',
    role: 'read-only',
    // Parquet pages are compressed already: the zip stores them (as every export zip).
    handle: async (_request, ctx) => {
      await record({ ...requestOrigin(ctx), action: 'export.parquet' });
      return zipResponse(parquetEntries(), { filename: 'observations_export.zip' });
    },
    openapi: getParquetExportZip,
  },
  {
    method: 'GET',
    path: '/dataexport/raw-json',
    role: 'read-only',
    // Stored, not deflated (as every export zip): a zlib stream per small file cost ~1.5 ms per record and saved
    // almost nothing, since each record's JSON would be compressed on its own.
    handle: async (_request, ctx) => {
      await record({ ...requestOrigin(ctx), action: 'export.raw_json' });
      return zipResponse(rawJsonEntries(), { filename: 'observations_raw_json.zip' });
    },
    openapi: getRawJsonExportZip,
  },
];
