import { z } from 'zod';

/** Shared zod pieces of the REST contract. */

/** Path parameters arrive percent-encoded from the OpenAPI adapter; a malformed escape is kept as sent. */
export const zPathParam = z.string().transform((value) => {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
});

/** A string field clients may omit; the service answers the contract's "missing field" error. */
export const zOptionalText = z.string().optional().default('');

/** RFC 3339 text, as the Go server writes timestamps. */
export const iso = (date: Date): string => date.toISOString();
