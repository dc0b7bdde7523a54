import { restErrorOf } from '@/components/lib/errors';

export interface DownloadedFile {
  blob: Blob;
  /** The name the server gave in Content-Disposition. */
  fileName: string;
}

/** `attachment; filename="observations_export.zip"`, the form the export routes send. */
export function fileNameFromDisposition(header: string | null): string | undefined {
  const match = header && /filename="([^"]+)"/i.exec(header);
  return match ? match[1] : undefined;
}

/**
 * GET a streamed REST file, reporting the bytes received so far (the zips are written while they are sent, so
 * there is no total to show). A transfer the server cuts off rejects: a partial file is never handed back.
 */
export async function streamedDownload(
  path: string,
  headers: Record<string, string>,
  onProgress: (receivedBytes: number) => void,
  signal: AbortSignal,
): Promise<DownloadedFile> {
  const response = await fetch(`/api${path}`, { headers, signal });
  if (!response.ok || !response.body) throw restErrorOf(response.status, response.headers, await response.text());
  const reader = response.body.getReader();
  const parts: Uint8Array<ArrayBuffer>[] = [];
  let received = 0;
  try {
    for (let part = await reader.read(); !part.done; part = await reader.read()) {
      parts.push(part.value as Uint8Array<ArrayBuffer>);
      received += part.value.byteLength;
      onProgress(received);
    }
  } catch (err) {
    if (signal.aborted) throw err;
    throw new Error('The download was cut off before the end, so nothing was saved. Try again.');
  }
  return {
    blob: new Blob(parts, { type: response.headers.get('content-type') ?? 'application/octet-stream' }),
    fileName: fileNameFromDisposition(response.headers.get('content-disposition')) ?? `${path.split('/').pop()}.zip`,
  };
}

/** Hands a file to the browser's download (the object URL is released once the browser has it). */
export function saveFile({ blob, fileName }: DownloadedFile): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
