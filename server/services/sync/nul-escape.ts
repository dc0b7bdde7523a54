/**
 * Lossless storage of U+0000 in observation content. PostgreSQL's jsonb and text cannot hold NUL, yet a field
 * pasted from a barcode scanner may carry one, and Formulus retries a refused push for ever. Every string (object
 * keys included) is escaped on push and restored on pull with a private-use marker M = U+E000:
 *
 *   U+0000 → M "0"        M → M "e"
 *
 * Every M of an escaped string starts exactly one two-character token, so decoding is unambiguous and needs no
 * scan state: replace every M "0" by U+0000, then every M "e" by M (the order does not matter, tokens never
 * overlap). That makes the same decode possible on JSON text (decodeJsonText): the pull passes the stored JSON
 * text on without parsing it, writing the six characters `\u0000`, the JSON escape, for each escaped NUL.
 * Values without NUL or M are returned as they are (same object), so the common case allocates nothing.
 */

const MARKER = '\uE000';
const NEEDS_ENCODING = /[\u0000\uE000]/;
const ENCODED_NUL = `${MARKER}0`;
const ENCODED_MARKER = `${MARKER}e`;

export function encodeString(value: string): string {
  if (!NEEDS_ENCODING.test(value)) return value;
  return value.replace(/[\u0000\uE000]/g, (char) => (char === MARKER ? ENCODED_MARKER : ENCODED_NUL));
}

function decodeTokens(text: string, nul: string): string {
  if (!text.includes(MARKER)) return text;
  return text.replace(/\uE000([0e])/g, (_, token: string) => (token === '0' ? nul : MARKER));
}

export const decodeString = (value: string) => decodeTokens(value, '\u0000');

/** Stored JSON text back to the JSON text of what was pushed: each escaped U+0000 becomes the JSON escape `\u0000`. */
export const decodeJsonText = (json: string) => decodeTokens(json, '\\u0000');

function mapStrings(value: unknown, map: (text: string) => string): unknown {
  if (typeof value === 'string') return map(value);
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const mapped = mapStrings(item, map);
      if (mapped !== item) (copy ??= [...value])[index] = mapped;
    });
    return copy ?? value;
  }
  let changed = false;
  const entries = Object.entries(value).map(([key, item]) => {
    const mappedKey = map(key);
    const mapped = mapStrings(item, map);
    if (mappedKey !== key || mapped !== item) changed = true;
    return [mappedKey, mapped] as const;
  });
  return changed ? Object.fromEntries(entries) : value;
}

/** A JSON value with every U+0000 (and the marker itself) escaped, ready for jsonb. */
export function encodeNul<T>(value: T): T {
  return mapStrings(value, encodeString) as T;
}

/** The JSON value as it was pushed, from its stored (escaped) form. */
export function decodeNul<T>(value: T): T {
  return mapStrings(value, decodeString) as T;
}
