'use client';

import { useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { Loading } from '@/components/ui/states';
import { formatDateTime } from '@/components/lib/format';
import { FieldDiff } from '@/components/history/field-diff';

function writer(version: { username: string | null; client_id: string | null }): string {
  return `${version.username ?? 'unknown user'}${version.client_id ? ` on ${version.client_id}` : ''}`;
}

/** Every version of one observation as a timeline, a diff between any two, and restore for admins. */
export function ObservationHistory({ observationId }: { observationId: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useCurrentUser();
  const history = useQuery(trpc.history.versions.queryOptions({ observation_id: observationId }));
  const restore = useMutation(trpc.history.restore.mutationOptions());
  const [pair, setPair] = useState<{ left?: number; right?: number }>({});
  const [notice, setNotice] = useState<string>();
  const leftId = useId();
  const rightId = useId();

  if (history.isPending) return <Loading label="Loading history…" />;
  if (history.error) return <ErrorBanner error={history.error} onRetry={() => void history.refetch()} />;

  const versions = history.data.versions;
  const current = versions[0];
  const left = versions.find((v) => v.version === pair.left) ?? versions[1] ?? current;
  const right = versions.find((v) => v.version === pair.right) ?? current;

  function restoreVersion(version: number) {
    if (!window.confirm(`Write version ${version} as a new version? Every device pulls it on its next sync.`)) return;
    restore.mutate(
      { observation_id: observationId, version },
      {
        onSuccess: (result) => {
          setNotice(`Version ${result.restored_version} restored as version ${result.version}.`);
          setPair({});
          void queryClient.invalidateQueries({ queryKey: trpc.history.pathKey() });
          void queryClient.invalidateQueries({ queryKey: trpc.sync.pathKey() });
        },
      },
    );
  }

  return (
    <div className="stack">
      {notice && <SuccessBanner onDismiss={() => setNotice(undefined)}>{notice}</SuccessBanner>}
      {restore.error && <ErrorBanner error={restore.error} />}
      <ol className="timeline" aria-label="Versions, newest first">
        {versions.map((version) => (
          <li key={version.version} data-current={version === current} data-testid={`version-${version.version}`}>
            <div className="timeline-head">
              <strong>Version {version.version}</strong>
              {version === current && <span className="badge badge-active">Current</span>}
              {version.deleted && <span className="badge badge-deleted">Deleted</span>}
              <span className="muted">{formatDateTime(version.written_at)}</span>
            </div>
            <div className="small muted">by {writer(version)}</div>
            <div className="timeline-actions">
              {version !== current && (
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => setPair({ left: version.version, right: current.version })}
                >
                  Compare with current
                </button>
              )}
              {version !== current && can('admin') && (
                <button
                  type="button"
                  className="button button-small"
                  disabled={restore.isPending}
                  onClick={() => restoreVersion(version.version)}
                >
                  Restore this version
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
      {versions.length > 1 && (
        <section className="stack" aria-labelledby={`${leftId}-heading`}>
          <h4 id={`${leftId}-heading`}>Compare versions</h4>
          <div className="compare-bar">
            <div className="field">
              <label htmlFor={leftId}>From</label>
              <select
                id={leftId}
                value={left.version}
                onChange={(event) => setPair({ left: Number(event.target.value), right: right.version })}
              >
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    Version {v.version}
                  </option>
                ))}
              </select>
            </div>
            <div className="field">
              <label htmlFor={rightId}>To</label>
              <select
                id={rightId}
                value={right.version}
                onChange={(event) => setPair({ left: left.version, right: Number(event.target.value) })}
              >
                {versions.map((v) => (
                  <option key={v.version} value={v.version}>
                    Version {v.version}
                  </option>
                ))}
              </select>
            </div>
          </div>
          <FieldDiff
            left={left}
            right={right}
            leftLabel={`Version ${left.version}`}
            rightLabel={`Version ${right.version}`}
          />
        </section>
      )}
    </div>
  );
}
