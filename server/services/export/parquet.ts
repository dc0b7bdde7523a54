import { PassThrough } from 'node:stream';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { ExportRepository, type DataKeyType } from '@/server/db/repositories/export';
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

/** Numbers and booleans arrive typed (or null); a STRING key's other values become their JSON text. */
const stringValue = (value: unknown) =>
  value === null || value === undefined || typeof value === 'string' ? (value ?? null) : JSON.stringify(value);

function dataColumn(key: string, type: DataKeyType): Column {
  return {
    name: `data_${key}`,
    type: type === 'STRING' ? 'BYTE_ARRAY' : type,
    required: false,
    value: type === 'STRING' ? stringValue : asIs,
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

async function writeParquet(
  out: PassThrough,
  formType: string,
  keys: Array<{ key: string; type: DataKeyType }>,
  repository: ExportRepository,
): Promise<void> {
  const columns = [...BASE_COLUMNS, ...keys.map(({ key, type }) => dataColumn(key, type))];
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
  for await (const page of parquetPages(formType, keys, repository)) {
    // Each page becomes column values at once: a row group then holds plain values, not thousands of row arrays.
    for (const row of page) for (let i = 0; i < columns.length; i++) values[i].push(columns[i].value(row[i]));
    rowCount += page.length;
    if (rowCount >= ROWS_PER_GROUP) await writeGroup();
  }
  if (rowCount > 0) await writeGroup();
  writer.finish();
}

/** One form type's live rows page by page (keyset), the next page read while this one is written. */
async function* parquetPages(
  formType: string,
  keys: Array<{ key: string; type: DataKeyType }>,
  repository: ExportRepository,
): AsyncGenerator<unknown[][]> {
  let next = repository.parquetPage(formType, keys, undefined, PAGE_ROWS);
  for (;;) {
    const page = await next;
    if (page.length === PAGE_ROWS) {
      const last = page[page.length - 1];
      next = repository.parquetPage(
        formType,
        keys,
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
  for (const formType of formTypes) {
    const keys = await repository.dataKeyTypes(formType);
    const out = new PassThrough();
    const written = writeParquet(out, formType, keys, repository).catch((err: Error) => out.destroy(err));
    yield { name: `${await fileStem(formType)}.parquet`, content: out };
    await written;
  }
}
