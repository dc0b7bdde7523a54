'use client';

import { useEffect, useState } from 'react';
import { useRest } from '@/components/lib/rest';
import { describeError } from '@/components/lib/errors';
import { previewImageType } from '@/components/observations/attachment-ids';

type Preview =
  | { state: 'loading' }
  | { state: 'image'; url: string }
  | { state: 'file' }
  | { state: 'missing' }
  | { state: 'error'; message: string };

/** An image attachment inline; any other file as a download. */
export function AttachmentPreview({ id }: { id: string }) {
  const rest = useRest();
  const imageType = previewImageType(id);
  const [preview, setPreview] = useState<Preview>({ state: 'loading' });
  const [downloadError, setDownloadError] = useState<string>();

  useEffect(() => {
    const path = `/attachments/${encodeURIComponent(id)}`;
    let url: string | undefined;
    let cancelled = false;
    const show = (next: Preview) => !cancelled && setPreview(next);
    const load = imageType
      ? rest.fetchBlob(path).then((blob) => {
          // The server sends application/octet-stream; the type from the name lets the browser draw it.
          url = URL.createObjectURL(new Blob([blob], { type: imageType }));
          show({ state: 'image', url });
        })
      : rest.exists(path).then((found) => show(found ? { state: 'file' } : { state: 'missing' }));
    load.catch((err: unknown) =>
      show(
        describeError(err).problem === 'attachment.not_found'
          ? { state: 'missing' }
          : { state: 'error', message: describeError(err).message },
      ),
    );
    return () => {
      cancelled = true;
      if (url) URL.revokeObjectURL(url);
    };
  }, [id, imageType, rest]);

  async function download() {
    setDownloadError(undefined);
    try {
      await rest.download(`/attachments/${encodeURIComponent(id)}`, id);
    } catch (err) {
      setDownloadError(describeError(err).message);
    }
  }

  return (
    <figure className="attachment">
      {preview.state === 'loading' && <span className="spinner" role="status" aria-label={`Loading ${id}`} />}
      {preview.state === 'image' && <img src={preview.url} alt={`Attachment ${id}`} />}
      {preview.state === 'missing' && <span className="muted">Not on the server (not uploaded yet)</span>}
      {preview.state === 'error' && <span className="muted">{preview.message}</span>}
      <figcaption className="mono">{id}</figcaption>
      {(preview.state === 'image' || preview.state === 'file') && (
        <button type="button" className="button button-small" onClick={() => void download()}>
          Download
        </button>
      )}
      {downloadError && <span role="alert">{downloadError}</span>}
    </figure>
  );
}
