import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import busboy from 'busboy';
import { limitBytes } from '@/server/byte-limit';
import { AppError } from '@/server/errors';
import type { IncomingFile, UploadSource } from '@/server/services/upload-source';

/**
 * The multipart edge of the upload routes: one file part of a multipart/form-data body, streamed to the service
 * as it arrives. Nothing holds the file in memory; the body as a whole is capped at the file's limit plus room
 * for boundaries and part headers, by its declared length and while it streams.
 */

/** Room for the multipart boundaries and part headers around the file itself. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export interface FilePartForm {
  /** The name of the file part. */
  field: string;
  /**
   * `only`: the file is the body's one part, and a field or a second file is `noFile`. `first`: the first file
   * part of that name is read and every other part skipped.
   */
  parts: 'only' | 'first';
  maxFileBytes: number;
  /** Refuse other content types before parsing (else the parser decides: it also reads urlencoded forms). */
  formDataOnly?: boolean;
  errors: {
    tooLarge: () => AppError;
    /** Not a form, or a body the parser fails on; `reason` is the parser's when there is one. */
    malformed: (reason?: string) => AppError;
    /** No file part of that name (with `only`, also: some other part). */
    noFile: () => AppError;
  };
}

/** `only` looks at a second part (to refuse it) and at nothing after it. */
const PARSER_LIMITS: Record<FilePartForm['parts'], busboy.Limits> = {
  only: { files: 1, fields: 0, parts: 2 },
  first: { fieldSize: 64 * 1024, fields: 100 },
};

type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

const settle = <T>(promise: Promise<T>): Promise<Settled<T>> =>
  promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );

/** The request's file part, read when the service asks for it. */
export function filePart(request: Request, form: FilePartForm): UploadSource {
  return (receive) => receiveFilePart(request, form, receive);
}

async function receiveFilePart<T>(
  request: Request,
  form: FilePartForm,
  receive: (file: IncomingFile) => Promise<T>,
): Promise<T> {
  const { errors } = form;
  const bodyLimit = form.maxFileBytes + MULTIPART_OVERHEAD_BYTES;
  if (Number(request.headers.get('content-length') ?? 0) > bodyLimit) throw errors.tooLarge();
  const contentType = request.headers.get('content-type') ?? '';
  if (!request.body || (form.formDataOnly && !/^multipart\/form-data/i.test(contentType))) throw errors.malformed();
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: { 'content-type': contentType }, limits: PARSER_LIMITS[form.parts] });
  } catch (err) {
    throw errors.malformed((err as Error).message);
  }

  const body = Readable.fromWeb(request.body as NodeReadableStream<Uint8Array>);
  let otherPart = false;
  let receiving: Promise<Settled<T>> | undefined;
  let receiveFailed: (failure: Settled<never>) => void = () => undefined;
  const failure = new Promise<Settled<never>>((resolve) => (receiveFailed = resolve));
  parser.on('file', (name, stream, info) => {
    if (name !== form.field || receiving) {
      otherPart = true;
      stream.resume();
      return;
    }
    // The parser may fail the part (body cut short) before the receiver reads it; the pipeline below reports it.
    stream.on('error', () => undefined);
    receiving = settle(receive({ content: stream, declaredType: info.mimeType }));
    void receiving.then((result) => {
      if (result.ok) return;
      // A failed receive (size cap, disk) stops reading the request, and the answer does not wait for that: under
      // Next.js, cancelling the request body may never settle, and the pipeline would wait for it for ever.
      body.destroy(result.error as Error);
      receiveFailed({ ok: false, error: result.error });
    });
  });
  parser.on('filesLimit', () => (otherPart = true));
  parser.on('fieldsLimit', () => (otherPart = true));

  const parsed = await Promise.race([settle(pipeline(body, limitBytes(bodyLimit, errors.tooLarge), parser)), failure]);
  const received = await receiving;
  // Which failure the client hears: the file's own (413, invalid), the body's (413, malformed), then the rest.
  if (received && !received.ok && received.error instanceof AppError) throw received.error;
  if (!parsed.ok)
    throw parsed.error instanceof AppError ? parsed.error : errors.malformed((parsed.error as Error).message);
  if (received && !received.ok) throw received.error;
  if (!received || (form.parts === 'only' && otherPart)) throw errors.noFile();
  return received.value;
}
