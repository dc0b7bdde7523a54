import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ExportRepository, type DataKeyType } from '@/server/db/repositories/export';
import type { ObservationRow } from '@/server/db/repositories/observations';
import { trimFraction } from '@/server/services/sync/service';
import { clashFreeNamer, livePages, type ExportEntry } from '@/server/services/export/entries';

/**
 * The Parquet export (api-contract §7.1): one `<form_type>.parquet` per form type with live rows. Columns: the
 * base columns, then `data_<key>` typed DOUBLE / BOOLEAN / STRING by what the values are (nested values as JSON
 * text). Rows by created_at. Each file is written row group by row group straight into the zip stream.
 */

const ROWS_PER_GROUP = 10_000;

type ParquetType = 'BYTE_ARRAY' | 'DOUBLE' | 'BOOLEAN' | 'INT64';

interface Column {
  name: string;
  type: ParquetType;
  required: boolean;
  value: (row: ObservationRow) => unknown;
}

const text = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

const BASE_COLUMNS: Column[] = [
  { name: 'observation_id', type: 'BYTE_ARRAY', required: true, value: (r) => r.observation_id },
  { name: 'form_type', type: 'BYTE_ARRAY', required: true, value: (r) => r.form_type },
  { name: 'form_version', type: 'BYTE_ARRAY', required: true, value: (r) => r.form_version },
  { name: 'created_at', type: 'BYTE_ARRAY', required: true, value: (r) => trimFraction(r.created_at) },
  { name: 'updated_at', type: 'BYTE_ARRAY', required: true, value: (r) => trimFraction(r.updated_at) },
  { name: 'synced_at', type: 'BYTE_ARRAY', required: false, value: (r) => r.synced_at && trimFraction(r.synced_at) },
  { name: 'deleted', type: 'BOOLEAN', required: true, value: (r) => r.deleted },
  { name: 'version', type: 'INT64', required: true, value: (r) => BigInt(r.version) },
  { name: 'geolocation', type: 'BYTE_ARRAY', required: false, value: (r) => text(r.geolocation) },
  { name: 'author', type: 'BYTE_ARRAY', required: false, value: (r) => r.author },
  { name: 'device_id', type: 'BYTE_ARRAY', required: false, value: (r) => r.device_id },
  { name: 'tags', type: 'BYTE_ARRAY', required: false, value: (r) => text(r.tags) },
];

function dataValue(type: DataKeyType, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'DOUBLE') return typeof value === 'number' ? value : null;
  if (type === 'BOOLEAN') return typeof value === 'boolean' ? value : null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function dataColumn(key: string, type: DataKeyType): Column {
  return {
    name: `data_${key}`,
    type: type === 'STRING' ? 'BYTE_ARRAY' : type,
    required: false,
    value: (row) => dataValue(type, (row.data as Record<string, unknown> | null)?.[key]),
  };
}

function schemaOf(columns: Column[]) {
  return [
    { name: 'root', num_children: columns.length },
    ...columns.map((column) => ({
      name: column.name,
      type: column.type,
      repetition_type: column.required ? ('REQUIRED' as const) : ('OPTIONAL' as const),
      ...(column.type === 'BYTE_ARRAY' && { converted_type: 'UTF8' as const }),
    })),
  ];
}

/** A hyparquet Writer that hands each flushed row group to a stream, waiting while the reader is behind. */
class StreamWriter extends ByteWriter {
  constructor(private readonly out: PassThrough) {
    super(1 << 20);
  }

  flush(): Promise<void> | void {
    // A destroyed stream never drains: stop here rather than wait for ever with a row group in memory.
    if (this.out.destroyed) return Promise.reject(new Error('the export stream was closed'));
    const chunk = Buffer.from(this.buffer.slice(0, this.index));
    this.index = 0;
    if (this.out.write(chunk)) return;
    return new Promise((resolve, reject) => {
      const settle = (err?: Error) => {
        this.out.off('drain', onDrain).off('close', onClose);
        if (err) reject(err);
        else resolve();
      };
      const onDrain = () => settle();
      const onClose = () => settle(new Error('the export stream was closed'));
      this.out.on('drain', onDrain).on('close', onClose);
    });
  }

  finish(): void {
    if (this.out.destroyed) throw new Error('the export stream was closed');
    this.out.end(Buffer.from(this.buffer.slice(0, this.index)));
    this.index = 0;
  }
}

async function writeParquet(out: PassThrough, formType: string, columns: Column[], repository: ExportRepository): Promise<void> {
  const writer = new ParquetWriter({ writer: new StreamWriter(out), schema: schemaOf(columns) as never, createdBy: 'synkronus' });
  let values = columns.map((): unknown[] => []);
  let rowCount = 0;
  const writeGroup = async () => {
    const columnData = columns.map((column, i) => ({ name: column.name, data: values[i] }));
    const rowGroupSize = rowCount;
    values = columns.map(() => []);
    rowCount = 0;
    await writer.write({ columnData, rowGroupSize });
  };
  for await (const page of livePages(formType, repository)) {
    // Each page becomes column values at once: a row group then holds plain values, not thousands of row objects.
    columns.forEach((column, i) => values[i].push(...page.map(column.value)));
    rowCount += page.length;
    if (rowCount >= ROWS_PER_GROUP) await writeGroup();
  }
  if (rowCount > 0) await writeGroup();
  writer.finish();
}

export async function* parquetEntries(repository = new ExportRepository()): AsyncGenerator<ExportEntry> {
  const formTypes = await repository.liveFormTypes();
  const liveFormTypes = new Set(formTypes);
  const fileStem = clashFreeNamer((name) => liveFormTypes.has(name));
  for (const formType of formTypes) {
    const keys = await repository.dataKeyTypes(formType);
    const columns = [...BASE_COLUMNS, ...keys.map(({ key, type }) => dataColumn(key, type))];
    const out = new PassThrough();
    const written = writeParquet(out, formType, columns, repository).catch((err: Error) => out.destroy(err));
    yield { name: `${await fileStem(formType)}.parquet`, stream: out };
    await written;
  }
}
