'use client';

import { useRef, useState } from 'react';
import { useTRPCClient } from '@/components/trpc';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { PageHeader } from '@/components/ui/states';
import { formatBytes } from '@/components/lib/format';
import { saveFile, streamedDownload } from '@/components/export/streamed-download';

interface ExportKind {
  title: string;
  description: string;
  path: string;
}

const EXPORTS: ExportKind[] = [
  {
    title: 'Observations (Parquet)',
    description:
      'A zip with one Parquet file per form type: the record fields, then one typed data_<key> column per data field. Deleted observations are left out.',
    path: '/dataexport/parquet',
  },
  {
    title: 'Observations (raw JSON)',
    description: 'A zip with <form type>/<observation id>.json per observation, its data exactly as stored.',
    path: '/dataexport/raw-json',
  },
  {
    title: 'All attachments',
    description: 'A zip with every attachment file, named by its id.',
    path: '/attachments/export-zip',
  },
];

type DownloadState =
  | { status: 'idle' }
  | { status: 'running'; receivedBytes: number }
  | { status: 'saved'; fileName: string; size: number }
  | { status: 'failed'; error: unknown };

function ExportCard({ kind }: { kind: ExportKind }) {
  const client = useTRPCClient();
  const [state, setState] = useState<DownloadState>({ status: 'idle' });
  const running = useRef<AbortController | undefined>(undefined);

  async function start() {
    const controller = new AbortController();
    running.current = controller;
    setState({ status: 'running', receivedBytes: 0 });
    try {
      const { token, odeVersion } = await client.console.accessToken.mutate();
      const headers = { Authorization: `Bearer ${token}`, 'x-ode-version': odeVersion };
      const file = await streamedDownload(
        kind.path,
        headers,
        (receivedBytes) => setState({ status: 'running', receivedBytes }),
        controller.signal,
      );
      saveFile(file);
      setState({ status: 'saved', fileName: file.fileName, size: file.blob.size });
    } catch (error) {
      setState(controller.signal.aborted ? { status: 'idle' } : { status: 'failed', error });
    } finally {
      running.current = undefined;
    }
  }

  const headingId = `export-${kind.path.replace(/\W+/g, '-')}`;
  return (
    <section className="card" aria-labelledby={headingId}>
      <h2 id={headingId}>{kind.title}</h2>
      <p className="muted">{kind.description}</p>
      {state.status === 'running' && (
        <div role="status" aria-live="polite">
          <span>Downloading… {formatBytes(state.receivedBytes)} received</span>
          <progress className="progress" aria-label={`${kind.title} download`} />
        </div>
      )}
      {state.status === 'saved' && (
        <SuccessBanner onDismiss={() => setState({ status: 'idle' })}>
          Saved {state.fileName} ({formatBytes(state.size)})
        </SuccessBanner>
      )}
      {state.status === 'failed' && <ErrorBanner error={state.error} onRetry={() => void start()} />}
      <div className="form-actions">
        {state.status === 'running' ? (
          <button type="button" className="button" onClick={() => running.current?.abort()}>
            Cancel
          </button>
        ) : (
          <button
            type="button"
            className="button button-primary"
            onClick={() => void start()}
            aria-label={`Download ${kind.title}`}
          >
            Download
          </button>
        )}
      </div>
    </section>
  );
}

export function ExportPage() {
  return (
    <>
      <PageHeader
        title="Data export"
        description="Zips written by the server while they download, so even a large export starts at once."
      />
      <div className="stack">
        {EXPORTS.map((kind) => (
          <ExportCard key={kind.path} kind={kind} />
        ))}
      </div>
    </>
  );
}
