import { z } from 'zod';
import { dateTime, int64 } from '@/server/wire/openapi';
import { operation } from '@/server/wire/operation';

const ObservationFormTypeCount = z
  .object({
    formType: z.string().meta({ description: 'Form type id; empty stored values become "(no form type)"' }),
    count: int64(),
  })
  .meta({ id: 'ObservationFormTypeCount' });

const ObservationTimelineBucket = z
  .object({
    bucketStart: z.string().meta({ description: 'Bucket start date (YYYY-MM-DD, UTC)' }),
    label: z.string(),
    count: int64(),
  })
  .meta({ id: 'ObservationTimelineBucket' });

const ObservationTimeline = z
  .object({
    bucketUnit: z.enum(['day', 'week']),
    rangeStart: z
      .string()
      .meta({ description: 'First bucket start date (YYYY-MM-DD), empty when there are no observations' }),
    rangeEnd: z
      .string()
      .meta({ description: 'Last bucket start date (YYYY-MM-DD), empty when there are no observations' }),
    buckets: z.array(ObservationTimelineBucket),
  })
  .meta({ id: 'ObservationTimeline' });

export const ObservationStatsResponse = z
  .object({
    totalCount: int64().meta({ description: 'Total non-deleted observations' }),
    byFormType: z.array(ObservationFormTypeCount),
    timeline: ObservationTimeline,
    computedAt: dateTime(),
  })
  .meta({ id: 'ObservationStatsResponse' });

const zip = { 'application/zip': { schema: z.string().meta({ format: 'binary' }) } };

export const getObservationStats = operation({
  operationId: 'getObservationStats',
  tags: ['Stats'],
  summary: 'Observation aggregate stats for dashboard charts',
  responses: {
    200: {
      description: 'Observation aggregate stats',
      content: { 'application/json': { schema: ObservationStatsResponse } },
    },
  },
});

export const getParquetExportZip = operation({
  operationId: 'getParquetExportZip',
  tags: ['DataExport'],
  summary: 'Live observations as one Parquet file per form type, in a streamed ZIP',
  responses: { 200: { description: '`<form_type>.parquet` entries', content: zip } },
});

export const getRawJsonExportZip = operation({
  operationId: 'getRawJsonExportZip',
  tags: ['DataExport'],
  summary: 'Live observations as `<form_type>/<observation_id>.json`, in a streamed ZIP',
  responses: { 200: { description: 'Pretty-printed records with their data verbatim', content: zip } },
});
