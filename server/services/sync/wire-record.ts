import type { ObservationRow } from '@/server/db/repositories/observations';
import type { PulledRow } from '@/server/db/repositories/sync';
import { wireTimeFromUtcText } from '@/server/db/repositories/observations';
import { decodeJsonText, decodeNul } from '@/server/services/sync/nul-escape';
import type { WireRecord } from '@/server/wire/sync';

/** A stored row as a pulled record: absent optional fields omitted, timestamps as Go writes them. */
export function toWireRecord(row: ObservationRow): WireRecord {
  return {
    observation_id: row.observation_id,
    form_type: row.form_type,
    form_version: row.form_version,
    data: decodeNul(row.data),
    created_at: row.created_at,
    updated_at: row.updated_at,
    ...(row.synced_at !== null && { synced_at: row.synced_at }),
    deleted: row.deleted,
    version: Number(row.version),
    ...(row.geolocation !== null && { geolocation: decodeNul(row.geolocation) }),
    ...(row.author !== null && { author: row.author }),
    ...(row.device_id !== null && { device_id: row.device_id }),
    ...(row.tags !== null && row.tags.length > 0 && { tags: row.tags }),
  };
}

const quoted = JSON.stringify;

/**
 * A quoter for the values a page repeats (form type and version, author, device): each distinct one is escaped once
 * and its JSON literal reused: about 0.25 ms less per 500-record page than JSON.stringify on every row.
 */
function repeatedValueQuoter(): (text: string) => string {
  const literals = new Map<string, string>();
  return (text) => {
    let literal = literals.get(text);
    if (literal === undefined) literals.set(text, (literal = quoted(text)));
    return literal;
  };
}

/**
 * A pulled row (PostgreSQL's text, see PulledRow) as JSON text of the record toWireRecord makes. The stored JSON is
 * not parsed: it goes out as PostgreSQL wrote it, with only its escaped NULs restored.
 */
function wireRecordJson(row: PulledRow, quoteRepeated: (text: string) => string): string {
  const [
    version,
    observationId,
    formType,
    formVersion,
    data,
    createdAt,
    updatedAt,
    syncedAt,
    deleted,
    geolocation,
    author,
    deviceId,
    tags,
  ] = row;
  return (
    `{"observation_id":${quoted(observationId)},"form_type":${quoteRepeated(formType)},` +
    `"form_version":${quoteRepeated(formVersion)},"data":${decodeJsonText(data)},` +
    // The timestamps' text has nothing JSON escapes.
    `"created_at":"${wireTimeFromUtcText(createdAt)}","updated_at":"${wireTimeFromUtcText(updatedAt)}"` +
    (syncedAt === null ? '' : `,"synced_at":"${wireTimeFromUtcText(syncedAt)}"`) +
    `,"deleted":${deleted === 't'},"version":${version}` +
    (geolocation === null ? '' : `,"geolocation":${decodeJsonText(geolocation)}`) +
    (author === null ? '' : `,"author":${quoteRepeated(author)}`) +
    (deviceId === null ? '' : `,"device_id":${quoteRepeated(deviceId)}`) +
    (tags === null ? '' : `,"tags":${tags}`) +
    '}'
  );
}

/**
 * Pulled rows as a JSON array. Appended with `+=`, not joined: V8 then keeps the pieces as one rope and copies them
 * once, when the response is encoded, where `map().join()` copies every record twice (0.2–0.4 ms more per
 * 500-record page).
 */
export function wireRecordsJson(rows: PulledRow[]): string {
  const quoteRepeated = repeatedValueQuoter();
  let json = '[';
  for (let i = 0; i < rows.length; i++) json += (i === 0 ? '' : ',') + wireRecordJson(rows[i], quoteRepeated);
  return json + ']';
}
