import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { S3Settings } from '@/server/config';
import {
  ObjectExistsError,
  StorageUnavailableError,
  type ByteRange,
  type FileStore,
  type ListedObject,
  type StoredObject,
  type StoredObjectInfo,
} from '@/server/storage/file-store';

/** Parts of a streamed upload (5 MiB is S3's minimum): memory per upload stays near PART_SIZE × UPLOAD_QUEUE. */
const PART_SIZE = 5 * 1024 * 1024;
const UPLOAD_QUEUE = 2;
const DELETE_BATCH = 1000;

/**
 * Keys as objects under an optional prefix of one bucket. Uploads are multipart and streamed (S3 shows an
 * object only when its upload completes; an aborted one leaves nothing), exclusive writes are conditional
 * (`If-None-Match: *`), reads are (ranged) GETs streamed through. Credentials come from the SDK's chain.
 */
export class S3FileStore implements FileStore {
  readonly kind = 's3';
  private readonly client: S3Client;

  constructor(private readonly settings: S3Settings) {
    this.client = new S3Client({
      region: settings.region,
      endpoint: settings.endpoint,
      forcePathStyle: settings.forcePathStyle,
      // Checksums only when an operation requires them: S3-compatible servers differ in what they accept.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  async put(key: string, body: Readable, options: { exclusive?: boolean } = {}): Promise<void> {
    const upload = new Upload({
      client: this.client,
      params: {
        Bucket: this.settings.bucket,
        Key: this.key(key),
        Body: body,
        IfNoneMatch: options.exclusive ? '*' : undefined,
      },
      partSize: PART_SIZE,
      queueSize: UPLOAD_QUEUE,
      leavePartsOnError: false,
    });
    try {
      await upload.done();
    } catch (err) {
      // 412: the key exists; 409: a concurrent conditional write of the same key is in flight.
      if (options.exclusive && [409, 412].includes(statusOf(err) ?? 0)) throw new ObjectExistsError(key);
      throw err;
    }
  }

  async stat(key: string): Promise<StoredObjectInfo | undefined> {
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
      return { size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0) };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async read(key: string, range?: ByteRange): Promise<StoredObject | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({
          Bucket: this.settings.bucket,
          Key: this.key(key),
          Range: range ? `bytes=${range.start}-${range.end}` : undefined,
        }),
      );
      const total = object.ContentRange ? Number(object.ContentRange.split('/')[1]) : object.ContentLength;
      return { stream: object.Body as Readable, size: total ?? 0, modified: object.LastModified ?? new Date(0) };
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  async *list(prefix: string): AsyncGenerator<ListedObject> {
    let token: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.settings.bucket, Prefix: this.key(prefix), ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key) continue;
        yield {
          key: object.Key.slice(this.settings.prefix.length),
          size: object.Size ?? 0,
          modified: object.LastModified ?? new Date(0),
        };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async remove(key: string): Promise<void> {
    await this.client.send(new DeleteObjectCommand({ Bucket: this.settings.bucket, Key: this.key(key) }));
  }

  async removeAll(prefix: string): Promise<void> {
    let batch: string[] = [];
    for await (const object of this.list(prefix)) {
      batch.push(this.key(object.key));
      if (batch.length === DELETE_BATCH) {
        await this.deleteBatch(batch);
        batch = [];
      }
    }
    if (batch.length > 0) await this.deleteBatch(batch);
  }

  async check(): Promise<void> {
    const where = `bucket "${this.settings.bucket}"${this.settings.endpoint ? ` at ${this.settings.endpoint}` : ''}`;
    try {
      await this.client.send(new HeadBucketCommand({ Bucket: this.settings.bucket }));
    } catch (err) {
      const status = statusOf(err);
      const reason =
        status === 404
          ? 'does not exist'
          : status === 403
            ? 'access denied'
            : `unreachable (${(err as Error).name}: ${(err as Error).message})`;
      throw new StorageUnavailableError(`S3 ${where}: ${reason}`);
    }
  }

  private async deleteBatch(keys: string[]): Promise<void> {
    const result = await this.client.send(
      new DeleteObjectsCommand({
        Bucket: this.settings.bucket,
        Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
      }),
    );
    const failed = (result.Errors ?? []).filter((e) => e.Code !== 'NoSuchKey');
    if (failed.length > 0)
      throw new Error(`S3 delete failed for ${failed.length} objects: ${failed[0].Code} ${failed[0].Message}`);
  }

  private key(key: string): string {
    return this.settings.prefix + key;
  }
}

function statusOf(err: unknown): number | undefined {
  if (err instanceof S3ServiceException) return err.$metadata.httpStatusCode;
  return (err as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
}
