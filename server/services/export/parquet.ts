import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ExportRepository } from '@/server/db/repositories/export';
import { clashFreeNamer, type ExportEntry } from '@/server/services/export/entries';
import { decodeJsonText, decodeString, encodeString } from '@/server/services/sync/nul-escape';

/**
 * The Parquet export (api-contract §7.1): one `<form_type>.parquet` per form type with live rows. Columns: the
 * base columns, then `data_<key>` typed DOUBLE / BOOLEAN / STRING by what the values are (nested values as JSON
 * text). Rows by created_at. A form type's rows are read once to type its data keys; when their data fits in
 * HELD_DATA_BYTES they are kept from that read as column values, otherwise they are read a second time to be
 * written. Each file is written row group by row group straight into the zip stream.
 */

const ROWS_PER_GROUP = 10_000;

type ParquetType = 'BYTE_ARRAY' | 'DOUBLE' | 'BOOLEAN' | 'INT64';

interface Column {
  name: string;
  type: ParquetType;
  required: boolean;
  /**
   * Whether each row group records the column's min and max. They let a reader skip row groups only for a column
   * that follows the file's order (created_at, and version, which grows with time); other columns span nearly
   * their whole range in every group, and their statistics took a tenth of an export's time.
   */
  statistics?: true;
}

const BASE_COLUMNS: Column[] = [
  { name: 'observation_id', type: 'BYTE_ARRAY', required: true },
  { name: 'form_type', type: 'BYTE_ARRAY', required: true },
  { name: 'form_version', type: 'BYTE_ARRAY', required: true },
  { name: 'created_at', type: 'BYTE_ARRAY', required: true, statistics: true },
  { name: 'updated_at', type: 'BYTE_ARRAY', required: true },
  { name: 'synced_at', type: 'BYTE_ARRAY', required: false },
  { name: 'deleted', type: 'BOOLEAN', required: true },
  { name: 'version', type: 'INT64', required: true, statistics: true },
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

/**
 * How much `data` of one form type is held in memory as column values while its keys are typed: a form type whose
 * data takes at most this many bytes as stored is read once, a larger one is typed by a first read and written from a
 * second. Its text may still run longer (a large value PostgreSQL compressed): past twice this many characters, what
 * is held goes and the form type is read a second time too.
 */
export const HELD_DATA_BYTES = 16 * 1024 * 1024;

type DataKeyType = 'DOUBLE' | 'BOOLEAN' | 'STRING';
type DataKeys = Array<{ key: string; type: DataKeyType }>;

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What a JSON value says about its key's column type: a bit per kind; null says nothing. */
const kindBit = (value: unknown) =>
  value === null ? 0 : typeof value === 'number' ? 1 : typeof value === 'boolean' ? 2 : 4;

const typeOf = (kind: number): DataKeyType => (kind === 1 ? 'DOUBLE' : kind === 2 ? 'BOOLEAN' : 'STRING');

/** A form type's rows as column values: the base columns, then each data key's JSON values (null where absent). */
interface HeldRows {
  base: unknown[][];
  data: unknown[][];
  count: number;
}

/** A form type's data keys, typed, and its rows (data columns in key order) when they were held. */
interface FormTypeScan {
  keys: DataKeys;
  held?: HeldRows;
}

/** What a read of a form type learns of one data key: the kinds of its values, and the values while rows are held. */
interface KeyScan {
  kind: number;
  values: unknown[];
}

/**
 * One read of a form type's rows (in file order): its top-level data keys (of rows whose data is an object) in the
 * database's text order, each typed by the values it holds: DOUBLE when every non-null value is a number, BOOLEAN
 * when every one is a boolean, else STRING (also when every value is null). Keys are sorted as stored (PostgreSQL's
 * text holds no U+0000), then named as pushed. The rows are kept as column values while their data text stays within
 * `heldDataChars` characters (0: none are).
 */
async function scanFormType(
  formType: string,
  repository: ExportRepository,
  stop: AbortSignal,
  heldDataChars: number,
): Promise<FormTypeScan> {
  const keyScans = new Map<string, KeyScan>();
  const base = BASE_COLUMNS.map((): unknown[] => []);
  let holding = heldDataChars > 0;
  let count = 0;
  let dataChars = 0;
  for await (const rows of repository.parquetRows(formType, stop))
    for (const fields of rows) {
      const text = decodeJsonText(fields[DATA_FIELD]!);
      const data: unknown = JSON.parse(text);
      if (holding && (dataChars += text.length) > heldDataChars) {
        // Too much to hold: what is held goes, the keys are still typed to the end.
        holding = false;
        for (const column of base) column.length = 0;
        for (const scan of keyScans.values()) scan.values.length = 0;
      }
      if (holding) pushBaseValues(base, formType, fields);
      if (isObject(data))
        for (const key in data) {
          const value = data[key];
          let scan = keyScans.get(key);
          if (scan === undefined) keyScans.set(key, (scan = { kind: 0, values: [] }));
          scan.kind |= kindBit(value);
          if (holding) {
            // The rows before this one that lacked the key.
            while (scan.values.length < count) scan.values.push(null);
            scan.values.push(value);
          }
        }
      if (holding) count++;
    }
  const stored = keyScans.size > 0 ? await repository.sorted([...keyScans.keys()].map(encodeString)) : [];
  const scans = stored.map(decodeString).map((key) => ({ key, ...keyScans.get(key)! }));
  return {
    keys: scans.map(({ key, kind }) => ({ key, type: typeOf(kind) })),
    held: holding ? { base, data: scans.map((scan) => scan.values), count } : undefined,
  };
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

/** Rows as column values, in file order; the writer cuts them into row groups of ROWS_PER_GROUP. */
type ColumnValues = unknown[][];

/** Held rows as column values: each data key's JSON values as its column's values. */
function heldColumns({ base, data, count }: HeldRows, keys: DataKeys): ColumnValues {
  for (const [i, { type }] of keys.entries()) {
    const values = data[i];
    const toValue = DATA_VALUE[type];
    for (let row = 0; row < values.length; row++) values[row] = toValue(values[row]);
    while (values.length < count) values.push(null);
  }
  return [...base, ...data];
}

/** A second read of a form type's rows (too many to hold), as column values a row group at a time. */
async function* readRowGroups(
  formType: string,
  keys: DataKeys,
  repository: ExportRepository,
  stop: AbortSignal,
): AsyncGenerator<ColumnValues> {
  const columnCount = BASE_COLUMNS.length + keys.length;
  // A row's data is walked once, by its own keys (a lookup per key present, none for keys it lacks).
  const dataColumnOf = new Map(keys.map(({ key }, i) => [key, i]));
  const dataValue = keys.map(({ type }) => DATA_VALUE[type]);
  // Each row becomes column values at once: a row group then holds plain values, not thousands of row arrays.
  const emptyColumns = () => Array.from({ length: columnCount }, (): unknown[] => []);
  let values = emptyColumns();
  let count = 0;
  for await (const rows of repository.parquetRows(formType, stop)) {
    for (const fields of rows) {
      pushBaseValues(values, formType, fields);
      for (let column = BASE_COLUMNS.length; column < columnCount; column++) values[column].push(null);
      const data: unknown = JSON.parse(decodeJsonText(fields[DATA_FIELD]!));
      if (isObject(data)) {
        for (const key in data) {
          const i = dataColumnOf.get(key);
          if (i !== undefined) values[BASE_COLUMNS.length + i][count] = dataValue[i](data[key]);
        }
      }
      if (++count === ROWS_PER_GROUP) {
        yield values;
        values = emptyColumns();
        count = 0;
      }
    }
  }
  if (count > 0) yield values;
}

async function writeParquet(
  out: PassThrough,
  keys: DataKeys,
  rows: Iterable<ColumnValues> | AsyncIterable<ColumnValues>,
): Promise<void> {
  const columns = [...BASE_COLUMNS, ...keys.map(dataColumn)];
  const writer = new ParquetWriter({
    writer: new StreamWriter(out),
    schema: schemaOf(columns) as never,
    createdBy: 'synkronus',
    // created_at's statistics whole (the default, 16 characters, keeps only the minute).
    statisticsTruncateLength: 64,
  });
  for await (const values of rows)
    await writer.write({
      columnData: columns.map((column, i) => ({
        name: column.name,
        data: values[i],
        statistics: column.statistics ?? false,
      })),
      rowGroupSize: ROWS_PER_GROUP,
    });
  writer.finish();
}

export async function* parquetEntries(
  repository = new ExportRepository(),
  heldDataBytes = HELD_DATA_BYTES,
): AsyncGenerator<ExportEntry> {
  const formTypes = await repository.liveFormTypes();
  const liveFormTypes = new Set(formTypes.map(({ formType }) => formType));
  const fileStem = clashFreeNamer((name) => liveFormTypes.has(name));
  // A caller that stops early (the client left) also stops the second read of a form type being written.
  const stopped = new AbortController();
  try {
    for (const { formType, dataBytes } of formTypes) {
      const heldDataChars = dataBytes <= heldDataBytes ? 2 * heldDataBytes : 0;
      const { keys, held } = await scanFormType(formType, repository, stopped.signal, heldDataChars);
      const rows = held ? [heldColumns(held, keys)] : readRowGroups(formType, keys, repository, stopped.signal);
      const out = new PassThrough();
      const written = writeParquet(out, keys, rows).catch((err: Error) => out.destroy(err));
      yield { name: `${await fileStem(formType)}.parquet`, content: out };
      await written;
    }
  } finally {
    stopped.abort();
  }
}
