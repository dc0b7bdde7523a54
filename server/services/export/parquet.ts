import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ExportRepository } from '@/server/db/repositories/export';
import { clashFreeNamer, type ExportEntry } from '@/server/services/export/entries';

/**
 * The Parquet export (api-contract §7.1): one `<form_type>.parquet` per form type with live rows. Columns: the
 * base columns, then `data_<key>` typed DOUBLE / BOOLEAN / STRING by what the values are (nested values as JSON
 * text). Rows by created_at. Each file is written row group by row group straight into the zip stream.
 */

const ROWS_PER_GROUP = 10_000;
const PAGE_ROWS = 2_000;

type ParquetType = 'BYTE_ARRAY' | 'DOUBLE' | 'BOOLEAN' | 'INT64';

interface Column {
  name: string;
  type: ParquetType;
  required: boolean;
  /** The Parquet value from the database's value (see ExportRepository.parquetPage for what each column holds). */
  value: (value: unknown) => unknown;
}

const asIs = (value: unknown) => value;
const text = (value: unknown) => (value === null || value === undefined ? null : JSON.stringify(value));

const BASE_COLUMNS: Column[] = [
  { name: 'observation_id', type: 'BYTE_ARRAY', required: true, value: asIs },
  { name: 'form_type', type: 'BYTE_ARRAY', required: true, value: asIs },
  { name: 'form_version', type: 'BYTE_ARRAY', required: true, value: asIs },
  { name: 'created_at', type: 'BYTE_ARRAY', required: true, value: asIs },
  { name: 'updated_at', type: 'BYTE_ARRAY', required: true, value: asIs },
  { name: 'synced_at', type: 'BYTE_ARRAY', required: false, value: asIs },
  { name: 'deleted', type: 'BOOLEAN', required: true, value: asIs },
  { name: 'version', type: 'INT64', required: true, value: (v) => BigInt(v as string) },
  { name: 'geolocation', type: 'BYTE_ARRAY', required: false, value: text },
  { name: 'author', type: 'BYTE_ARRAY', required: false, value: asIs },
  { name: 'device_id', type: 'BYTE_ARRAY', required: false, value: asIs },
  { name: 'tags', type: 'BYTE_ARRAY', required: false, value: asIs },
];

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
 * STRING (also when every value is null).
 */
async function dataKeysOf(formType: string, repository: ExportRepository, stop: AbortSignal): Promise<DataKeys> {
  const kinds = new Map<string, number>();
  for await (const batch of repository.liveData(formType, stop))
    for (const data of batch)
      if (isObject(data)) for (const key in data) kinds.set(key, (kinds.get(key) ?? 0) | kindBit(data[key]));
  const typeOf = (kind: number): DataKeyType => (kind === 1 ? 'DOUBLE' : kind === 2 ? 'BOOLEAN' : 'STRING');
  const keys = kinds.size > 0 ? await repository.sorted([...kinds.keys()]) : [];
  return keys.map((key) => ({ key, type: typeOf(kinds.get(key)!) }));
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
  value: DATA_VALUE[type],
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

/** Where the page query puts `data` in a row (after the base columns; see ExportRepository.parquetPage). */
const DATA_AT = BASE_COLUMNS.length;

async function writeParquet(
  out: PassThrough,
  formType: string,
  keys: DataKeys,
  repository: ExportRepository,
): Promise<void> {
  const dataColumns = keys.map(dataColumn);
  const columns = [...BASE_COLUMNS, ...dataColumns];
  // A row's data is walked once, by its own keys (a lookup per key present, none for keys it lacks).
  const dataColumnOf = new Map(keys.map(({ key }, i) => [key, i]));
  const writer = new ParquetWriter({
    writer: new StreamWriter(out),
    schema: schemaOf(columns) as never,
    createdBy: 'synkronus',
  });
  let values = columns.map((): unknown[] => []);
  let rowCount = 0;
  const writeGroup = async () => {
    const columnData = columns.map((column, i) => ({ name: column.name, data: values[i] }));
    const rowGroupSize = rowCount;
    values = columns.map(() => []);
    rowCount = 0;
    await writer.write({ columnData, rowGroupSize });
  };
  for await (const page of parquetPages(formType, repository)) {
    // Each page becomes column values at once: a row group then holds plain values, not thousands of row arrays.
    const dataValues = values.slice(DATA_AT);
    for (const row of page) {
      for (let i = 0; i < DATA_AT; i++) values[i].push(BASE_COLUMNS[i].value(row[i]));
      for (const column of dataValues) column.push(null);
      const data = row[DATA_AT];
      if (isObject(data)) {
        for (const key in data) {
          const i = dataColumnOf.get(key);
          if (i !== undefined) dataValues[i][rowCount] = dataColumns[i].value(data[key]);
        }
      }
      rowCount++;
    }
    if (rowCount >= ROWS_PER_GROUP) await writeGroup();
  }
  if (rowCount > 0) await writeGroup();
  writer.finish();
}

/** One form type's live rows page by page (keyset), the next page read while this one is written. */
async function* parquetPages(formType: string, repository: ExportRepository): AsyncGenerator<unknown[][]> {
  let next = repository.parquetPage(formType, undefined, PAGE_ROWS);
  for (;;) {
    const page = await next;
    if (page.length === PAGE_ROWS) {
      const last = page[page.length - 1];
      next = repository.parquetPage(
        formType,
        { createdAt: last[last.length - 2] as string, observationId: last[last.length - 1] as string },
        PAGE_ROWS,
      );
      // A caller that stops early never awaits it: its failure must not become an unhandled rejection.
      next.catch(() => undefined);
    }
    if (page.length > 0) yield page;
    if (page.length < PAGE_ROWS) return;
  }
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
      const written = writeParquet(out, formType, keys, repository).catch((err: Error) => out.destroy(err));
      yield { name: `${await fileStem(formType)}.parquet`, content: out };
      await written;
    }
  } finally {
    stopped.abort();
  }
}
