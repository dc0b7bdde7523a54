'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { Dialog } from '@/components/ui/dialog';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Loading } from '@/components/ui/states';
import { formatDateTime } from '@/components/lib/format';
import { findAttachmentIds } from '@/components/observations/attachment-ids';
import { AttachmentPreview } from '@/components/observations/attachment-preview';
import { ObservationHistory } from '@/components/history/observation-history';

/** One record as a client would pull it, with the attachments its data names. */
export function ObservationDialog({ observationId, onClose }: { observationId: string; onClose: () => void }) {
  const trpc = useTRPC();
  const record = useQuery(trpc.sync.getObservation.queryOptions({ observationId }));
  const attachmentIds = record.data ? findAttachmentIds(record.data.data) : [];
  return (
    <Dialog title={`Observation ${observationId}`} onClose={onClose} wide>
      {record.isPending ? (
        <Loading />
      ) : record.error ? (
        <ErrorBanner error={record.error} onRetry={() => void record.refetch()} />
      ) : (
        <div className="stack">
          <dl className="kv">
            <dt>Form</dt>
            <dd>
              {record.data.form_type} <span className="muted">v{record.data.form_version}</span>
            </dd>
            <dt>Updated</dt>
            <dd>{formatDateTime(record.data.updated_at)}</dd>
            <dt>Version</dt>
            <dd>
              {record.data.version} {record.data.deleted && <span className="badge badge-deleted">Deleted</span>}
            </dd>
          </dl>
          <section aria-labelledby="attachments-heading">
            <h3 id="attachments-heading">Attachments ({attachmentIds.length})</h3>
            {attachmentIds.length === 0 ? (
              <p className="muted">This record names no attachments.</p>
            ) : (
              <div className="attachments">
                {attachmentIds.map((id) => (
                  <AttachmentPreview key={id} id={id} />
                ))}
              </div>
            )}
          </section>
          <section aria-labelledby="history-heading">
            <h3 id="history-heading">History</h3>
            <ObservationHistory observationId={observationId} />
          </section>
          <section aria-labelledby="json-heading">
            <h3 id="json-heading">JSON</h3>
            <pre className="json-view" tabIndex={0} aria-label="Record as JSON">
              {JSON.stringify(record.data, null, 2)}
            </pre>
          </section>
        </div>
      )}
    </Dialog>
  );
}
