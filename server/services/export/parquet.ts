import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ExportRepository } from '@/server/db/repositories/export';
import { clashFreeNamer, type ExportEntry } from '@/server/services/export/entries';
import { decodeJsonText, decodeString } from '@/server/services/sync/nul-escape';

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
}

const BASE_COLUMNS: Column[] = [
  { name: 'observation_id', type: 'BYTE_ARRAY', required: true },
  { name: 'form_type', type: 'BYTE_ARRAY', required: true },
  { name: 'form_version', type: 'BYTE_ARRAY', required: true },
  { name: 'created_at', type: 'BYTE_ARRAY', required: true },
  { name: 'updated_at', type: 'BYTE_ARRAY', required: true },
  { name: 'synced_at', type: 'BYTE_ARRAY', required: false },
  { name: 'deleted', type: 'BOOLEAN', required: true },
  { name: 'version', type: 'INT64', required: true },
  { name: 'geolocation', type: 'BYTE_ARRAY', required: false },
  { name: 'author', type: 'BYTE_ARRAY', required: false },
  { name: 'device_id', type: 'BYTE_ARRAY', required: false },
  { name: 'tags', type: 'BYTE_ARRAY', required: false },
];

/** A row's base column values from its fields (see ExportRepository.parquetRows), into `columns` in file order. */
function pushBaseValues(columns: unknown[][], formType: string, fields: Array<string | null>): void {
  const geolocation = fields[6];
  columns[0].push(fields[0]);
  columns[1].push(formType);
  columns[2].push(fields[1]);
  columns[3].push(fields[2]);
  columns[4].push(fields[3]);
  columns[5].push(fields[4]);
  columns[6].push(false);
  columns[7].push(BigInt(fields[5]!));
  // Compact JSON text, as JSON.stringify writes it (jsonb's text has spaces).
  columns[8].push(geolocation === null ? null : JSON.stringify(JSON.parse(decodeJsonText(geolocation))));
  columns[9].push(fields[7]);
  columns[10].push(fields[8]);
  columns[11].push(fields[9]);
}

/** Where the row's fields have `data` (see ExportRepository.parquetRows). */
const DATA_FIELD = 10;

type DataKeyType = 'DOUBLE' | 'BOOLEAN' | 'STRING';
type DataKeys = Array<{ key: string; type: DataKeyType }>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a JSON value says about its key's column type: a bit per kind; null says nothing. */
const kindBit = (value: unknown) =>
  value === null ? 0 : typeof value === 'number' ? 1 : typeof value === 'boolean' ? 2 : 4;

/**
 * A form type's top-level data keys (of rows whose data is an object) in the database's text order, each typed by
 * the values it holds: DOUBLE when every non-null value is a number, BOOLEAN when every one is a boolean, else
 * STRING (also when every value is null). Keys are typed and sorted as stored (PostgreSQL's text holds no U+0000),
 * then named as pushed.
 */
async function dataKeysOf(formType: string, repository: ExportRepository, stop: AbortSignal): Promise<DataKeys> {
  const kinds = new Map<string, number>();
  for await (const batch of repository.liveData(formType, stop))
    for (const data of batch)
      if (isObject(data)) for (const key in data) kinds.set(key, (kinds.get(key) ?? 0) | kindBit(data[key]));
  const typeOf = (kind: number): DataKeyType => (kind === 1 ? 'DOUBLE' : kind === 2 ? 'BOOLEAN' : 'STRING');
  const keys = kinds.size > 0 ? await repository.sorted([...kinds.keys()]) : [];
  return keys.map((stored) => ({ key: decodeString(stored), type: typeOf(kinds.get(stored)!) }));
}

/** A data key's Parquet value from its JSON value: a value of another type than the column's is null. */
const DATA_VALUE: Record<DataKeyType, (value: unknown) => unknown> = {
  DOUBLE: (value) => (typeof value === 'number' ? value : null),
  BOOLEAN: (value) => (typeof value === 'boolean' ? value : null),
  // Strings as they are, other values as their JSON text.
  STRING: (value) =>
    value === null || value === undefined || typeof value === 'string' ? (value ?? null) : JSON.stringify(value),
};

const dataColumn = ({ key, type }: DataKeys[number]): Column => ({
  name: `data_${key}`,
  type: type === 'STRING' ? 'BYTE_ARRAY' : type,
  required: false,
});

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

async function writeParquet(
  out: PassThrough,
  formType: string,
  keys: DataKeys,
  repository: ExportRepository,
  stop: AbortSignal,
): Promise<void> {
  const columns = [...BASE_COLUMNS, ...keys.map(dataColumn)];
  // A row's data is walked once, by its own keys (a lookup per key present, none for keys it lacks).
  const dataColumnOf = new Map(keys.map(({ key }, i) => [key, i]));
  const dataValue = keys.map(({ type }) => DATA_VALUE[type]);
  const writer = new ParquetWriter({
    writer: new StreamWriter(out),
    schema: schemaOf(columns) as never,
    createdBy: 'synkronus',
  });
  // Each row becomes column values at once: a row group then holds plain values, not thousands of row arrays.
  let values = columns.map((): unknown[] => []);
  let dataValues = values.slice(BASE_COLUMNS.length);
  let rowCount = 0;
  const writeGroup = async () => {
    const columnData = columns.map((column, i) => ({ name: column.name, data: values[i] }));
    const rowGroupSize = rowCount;
    values = columns.map(() => []);
    dataValues = values.slice(BASE_COLUMNS.length);
    rowCount = 0;
    await writer.write({ columnData, rowGroupSize });
  };
  for await (const rows of repository.parquetRows(formType, stop)) {
    for (const fields of rows) {
      pushBaseValues(values, formType, fields);
      for (const column of dataValues) column.push(null);
      const data: unknown = JSON.parse(decodeJsonText(fields[DATA_FIELD]!));
      if (isObject(data)) {
        for (const key in data) {
          const i = dataColumnOf.get(key);
          if (i !== undefined) dataValues[i][rowCount] = dataValue[i](data[key]);
        }
      }
      if (++rowCount === ROWS_PER_GROUP) await writeGroup();
    }
  }
  if (rowCount > 0) await writeGroup();
  writer.finish();
}

export async function* parquetEntries(repository = new ExportRepository()): AsyncGenerator<ExportEntry> {
  const formTypes = await repository.liveFormTypes();
  const liveFormTypes = new Set(formTypes);
  const fileStem = clashFreeNamer((name) => liveFormTypes.has(name));
  // A caller that stops early (the client left) also stops the key scan of the next form type.
  const stopped = new AbortController();
  const keysOf = (formType: string) => {
    const keys = dataKeysOf(formType, repository, stopped.signal);
    // A caller that stops early never awaits it: its failure must not become an unhandled rejection.
    keys.catch(() => undefined);
    return keys;
  };
  try {
    let nextKeys = formTypes.length > 0 ? keysOf(formTypes[0]) : undefined;
    for (const [i, formType] of formTypes.entries()) {
      const keys = await nextKeys!;
      // The next form type's keys are read while this file is written.
      nextKeys = i + 1 < formTypes.length ? keysOf(formTypes[i + 1]) : undefined;
      const out = new PassThrough();
      const written = writeParquet(out, formType, keys, repository, stopped.signal).catch((err: Error) =>
        out.destroy(err),
      );
      yield { name: `${await fileStem(formType)}.parquet`, content: out };
      await written;
    }
  } finally {
    stopped.abort();
  }
}
