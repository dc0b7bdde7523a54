import type { AppError } from '@/server/errors';
import { problem } from '@/server/problems';
import type { StorableRecord } from '@/server/domain/observations';
import { encodeNul } from '@/server/services/sync/nul-escape';
import type { SyncWarning } from '@/server/wire/sync';

/**
 * What a pushed record may hold, checked before anything touches the database: every record of a batch is either
 * storable or the whole push is refused with a 400 naming it (Formulus marks a batch synced on any 2xx and ignores
 * `failed_records`, so a record dropped silently would be lost).
 */

export interface FailedRecord {
  index: number;
  error: string;
  record: unknown;
}

export interface CheckedBatch {
  records: StorableRecord[];
  failed: FailedRecord[];
  warnings: SyncWarning[];
}

const MAX_KEY_LENGTH = 255;
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** RFC 3339's years, 0001 to 9999, in UTC: the instants whose rendering on the wire is RFC 3339 again. */
const EARLIEST_TIME = Date.parse('0001-01-01T00:00:00Z');
const LATEST_TIME = Date.parse('9999-12-31T23:59:59.999Z');

const CONTROL_CHARACTER = /[\u0000-\u001f\u007f]/;

class InvalidRecord extends Error {}

/** transmission_id and client_id: keys of the push ledger, so bounded and printable. */
export function checkPushIdentifier(name: string, value: string): void {
  if (value.length > MAX_KEY_LENGTH) {
    throw problem('sync.key_too_long', { name, max: MAX_KEY_LENGTH });
  }
  if (CONTROL_CHARACTER.test(value)) {
    throw problem('sync.key_invalid', { name });
  }
}

function invalid(what: string): never {
  throw new InvalidRecord(what);
}

function optionalString(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') invalid(`${key} must be a string`);
  return value.includes('\u0000') ? invalid(`${key} must not contain U+0000`) : value;
}

function boundedKey(record: Record<string, unknown>, key: string): string {
  const value = optionalString(record, key) ?? '';
  return value.length <= MAX_KEY_LENGTH ? value : invalid(`${key} is longer than ${MAX_KEY_LENGTH} characters`);
}

function timestamp(record: Record<string, unknown>, key: string): string | null {
  const value = optionalString(record, key);
  if (value === null || value === '') return null;
  const time = RFC3339.test(value) ? Date.parse(value.replace(/(\.\d{3})\d+/, '$1')) : Number.NaN;
  if (Number.isNaN(time)) invalid(`${key} is not an RFC 3339 timestamp: "${value.slice(0, 40)}"`);
  if (time < EARLIEST_TIME || time > LATEST_TIME) invalid(`${key} is outside the years 0001 to 9999 in UTC`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function storable(record: Record<string, unknown>, observationId: string): StorableRecord {
  if (!isObject(record.data)) invalid('data must be a JSON object');
  if (record.deleted !== undefined && record.deleted !== null && typeof record.deleted !== 'boolean') {
    invalid('deleted must be a boolean');
  }
  const geolocation = record.geolocation ?? null;
  if (geolocation !== null && !isObject(geolocation)) invalid('geolocation must be an object or null');
  const tags = record.tags ?? null;
  if (
    tags !== null &&
    !(Array.isArray(tags) && tags.every((tag) => typeof tag === 'string' && !tag.includes('\u0000')))
  ) {
    invalid('tags must be an array of strings without U+0000, or null');
  }
  return {
    observation_id: observationId,
    form_type: boundedKey(record, 'form_type'),
    form_version: optionalString(record, 'form_version') ?? '',
    data: encodeNul(record.data),
    created_at: timestamp(record, 'created_at'),
    deleted: record.deleted === true,
    geolocation: encodeNul(geolocation),
    author: optionalString(record, 'author'),
    device_id: optionalString(record, 'device_id'),
    tags: tags as string[] | null,
  };
}

/**
 * Records without an observation_id go to `failed_records` as upstream (a §11 conformance case; Formulus never
 * sends such records); any other problem refuses the whole batch.
 */
export function checkBatch(records: unknown[]): CheckedBatch {
  const batch: CheckedBatch = { records: [], failed: [], warnings: [] };
  records.forEach((record, index) => {
    if (!isObject(record)) throw invalidBatch(index, undefined, 'a record must be a JSON object');
    const id = record.observation_id;
    if (id === undefined || id === null || id === '') {
      batch.failed.push({ index, error: 'observation_id is required', record });
      return;
    }
    try {
      if (typeof id !== 'string') invalid('observation_id must be a string');
      if (id.length > MAX_KEY_LENGTH) invalid(`observation_id is longer than ${MAX_KEY_LENGTH} characters`);
      if (CONTROL_CHARACTER.test(id)) invalid('observation_id must not contain control characters');
      const checked = storable(record, id);
      if (checked.form_type === '') {
        batch.warnings.push({ id, code: 'MISSING_FORM_TYPE', message: 'form_type is empty but record was processed' });
      }
      batch.records.push(checked);
    } catch (err) {
      if (err instanceof InvalidRecord) throw invalidBatch(index, typeof id === 'string' ? id : undefined, err.message);
      throw err;
    }
  });
  return batch;
}

function invalidBatch(index: number, observationId: string | undefined, reason: string): AppError {
  const which = observationId === undefined ? `record ${index}` : `record ${index}, observation_id ${observationId}`;
  return problem('sync.invalid_record', { problem: reason, which });
}

/** Within one batch the last record for an id wins, applied in the position of that last record. */
export function lastWriteWins(records: StorableRecord[]): StorableRecord[] {
  const lastIndex = new Map(records.map((record, index) => [record.observation_id, index]));
  return records.filter((record, index) => lastIndex.get(record.observation_id) === index);
}
