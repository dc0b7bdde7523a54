'use client';

import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useRest } from '@/components/lib/rest';
import { formatBytes, formatDateTime } from '@/components/lib/format';
import { CopyButton } from '@/components/ui/copy-button';
import { Dialog } from '@/components/ui/dialog';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Empty, Loading } from '@/components/ui/states';

/** A file's SHA-256, shortened until opened, with a copy button. */
function FileHash({ path, hash }: { path: string; hash: string }) {
  return (
    <div className="hash">
      <details>
        <summary className="mono" aria-label={`SHA-256 of ${path}`}>
          {hash.slice(0, 12)}…
        </summary>
        <span className="mono hash-full">{hash}</span>
      </details>
      <CopyButton value={hash} label={`SHA-256 of ${path}`} />
    </div>
  );
}

/** The active version's files, each downloadable through the streaming REST route. */
export function ManifestDialog({ onClose }: { onClose: () => void }) {
  const trpc = useTRPC();
  const rest = useRest();
  const manifest = useQuery(trpc.bundles.activeManifest.queryOptions());
  const [downloadError, setDownloadError] = useState<unknown>();

  async function download(path: string) {
    setDownloadError(undefined);
    try {
      await rest.download(`/app-bundle/download/${encodeURIComponent(path)}`, path.split('/').pop() ?? path);
    } catch (err) {
      setDownloadError(err);
    }
  }

  return (
    <Dialog title="Active manifest" onClose={onClose} wide>
      {downloadError !== undefined && <ErrorBanner error={downloadError} />}
      {manifest.isPending ? (
        <Loading />
      ) : manifest.error ? (
        <ErrorBanner error={manifest.error} onRetry={() => void manifest.refetch()} />
      ) : !manifest.data ? (
        <Empty title="No version is active" />
      ) : (
        <>
          <dl className="kv">
            <dt>Version</dt>
            <dd>{manifest.data.version}</dd>
            <dt>Hash</dt>
            <dd>
              <span className="mono hash-full">{manifest.data.hash}</span>{' '}
              <CopyButton value={manifest.data.hash} label="manifest hash" />
            </dd>
            <dt>Generated</dt>
            <dd>{formatDateTime(manifest.data.generatedAt)}</dd>
            <dt>Files</dt>
            <dd>{manifest.data.files.length}</dd>
          </dl>
          <div className="table-wrap spaced">
            <table className="stacked">
              <thead>
                <tr>
                  <th scope="col">Path</th>
                  <th scope="col">Size</th>
                  <th scope="col">SHA-256</th>
                  <th scope="col">
                    <span className="visually-hidden">Download</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {manifest.data.files.map((file) => (
                  <tr key={file.path}>
                    <td className="mono">{file.path}</td>
                    <td data-label="Size">{formatBytes(file.size)}</td>
                    <td data-label="SHA-256">
                      <FileHash path={file.path} hash={file.hash} />
                    </td>
                    <td className="actions">
                      <button
                        type="button"
                        className="button button-small"
                        aria-label={`Download ${file.path}`}
                        onClick={() => void download(file.path)}
                      >
                        Download
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      )}
    </Dialog>
  );
}
