import type { Readable } from 'node:stream';

/**
 * Shared file storage addressed by `/`-separated keys: the data root on disk, or an S3-compatible bucket that
 * every instance reads and writes. Writes are atomic (a key shows either nothing or a complete object) and
 * reads stream, whole or by byte range; nothing holds a whole file in memory.
 */
export interface FileStore {
  readonly kind: 'disk' | 's3';
  /**
   * Streams `body` under `key`; visible only once complete. With `exclusive` the key must be free: a taken key
   * is ObjectExistsError and changes nothing.
   */
  put(key: string, body: Readable, options?: { exclusive?: boolean }): Promise<void>;
  stat(key: string): Promise<StoredObjectInfo | undefined>;
  /** The object, or the inclusive byte range of it; undefined when absent. */
  read(key: string, range?: ByteRange): Promise<StoredObject | undefined>;
  /** Objects whose key starts with `prefix`, in key order. */
  list(prefix: string): AsyncGenerator<ListedObject>;
  remove(key: string): Promise<void>;
  /** Removes every object under `prefix`. */
  removeAll(prefix: string): Promise<void>;
  /** Start-up check: throws StorageUnavailableError when the store cannot be used. */
  check(): Promise<void>;
}

export interface StoredObjectInfo {
  /** Size of the whole object (also for a ranged read). */
  size: number;
  modified: Date;
}

export interface StoredObject extends StoredObjectInfo {
  stream: Readable;
}

export interface ListedObject extends StoredObjectInfo {
  key: string;
}

/** Inclusive, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

export class ObjectExistsError extends Error {
  constructor(key: string) {
    super(`object exists: ${key}`);
  }
}

export class StorageUnavailableError extends Error {}
