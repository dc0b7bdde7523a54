'use client';

import { useId, useState } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { Dialog } from '@/components/ui/dialog';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { relativeTime } from '@/components/lib/format';
import { UploadBundle } from '@/components/bundles/upload-bundle';
import { ManifestDialog } from '@/components/bundles/manifest-dialog';
import { ChangesView } from '@/components/bundles/changes-view';

function ActivateDialog(props: {
  version: string;
  onClose: () => void;
  onStarted: () => void;
  onActivated: () => void;
}) {
  const trpc = useTRPC();
  const activate = useMutation(trpc.bundles.activate.mutationOptions());
  return (
    <Dialog title={`Activate version ${props.version}?`} onClose={props.onClose}>
      {activate.error && <ErrorBanner error={activate.error} />}
      <p>Devices download this version on their next bundle check. You can switch back at any time.</p>
      <div className="form-actions">
        <button type="button" className="button" onClick={props.onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="button button-primary"
          disabled={activate.isPending}
          onClick={() => {
            props.onStarted();
            activate.mutate({ version: props.version }, { onSuccess: props.onActivated });
          }}
        >
          {activate.isPending ? 'Activating…' : 'Activate'}
        </button>
      </div>
    </Dialog>
  );
}

/** Any two versions, older to newer by default. */
function CompareVersions({
  versions,
  from,
  to,
  onChange,
}: {
  versions: string[];
  from: string;
  to: string;
  onChange: (from: string, to: string) => void;
}) {
  const trpc = useTRPC();
  const fromId = useId();
  const toId = useId();
  const ready = from !== '' && to !== '' && from !== to;
  const changes = useQuery({ ...trpc.bundles.compare.queryOptions({ a: from, b: to }), enabled: ready });
  return (
    <section className="card" aria-labelledby="compare-heading" id="compare">
      <h2 id="compare-heading">Changes between versions</h2>
      <div className="toolbar">
        <div className="field">
          <label htmlFor={fromId}>
            <span>From</span>
          </label>
          <select id={fromId} value={from} onChange={(event) => onChange(event.target.value, to)}>
            {versions.map((version) => (
              <option key={version}>{version}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={toId}>
            <span>To</span>
          </label>
          <select id={toId} value={to} onChange={(event) => onChange(from, event.target.value)}>
            {versions.map((version) => (
              <option key={version}>{version}</option>
            ))}
          </select>
        </div>
      </div>
      {!ready ? (
        <p className="muted">Pick two different versions.</p>
      ) : changes.isPending ? (
        <Loading />
      ) : changes.error ? (
        <ErrorBanner error={changes.error} onRetry={() => void changes.refetch()} />
      ) : (
        <ChangesView log={changes.data} />
      )}
    </section>
  );
}

export function BundlesPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useCurrentUser();
  const list = useQuery(trpc.bundles.list.queryOptions());
  const [activating, setActivating] = useState<string>();
  const [showManifest, setShowManifest] = useState(false);
  const [notice, setNotice] = useState<string>();
  const [comparison, setComparison] = useState<{ from: string; to: string }>();

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.bundles.pathKey() });
  const versions = list.data ?? [];
  const active = versions.find((version) => version.active);
  // Newest first from the server: compare the second newest (or the active one) with the newest by default.
  const defaultFrom = active && active.version !== versions[0]?.version ? active.version : (versions[1]?.version ?? '');
  const from = comparison?.from ?? defaultFrom;
  const to = comparison?.to ?? versions[0]?.version ?? '';

  return (
    <>
      <PageHeader
        title="App bundles"
        description="Forms, renderers and the custom app that Formulus devices download."
        actions={
          <button type="button" className="button" onClick={() => setShowManifest(true)} disabled={!active}>
            View active manifest
          </button>
        }
      />
      {/* The one outcome banner: the latest upload or activation replaces the one before. */}
      {notice && <SuccessBanner onDismiss={() => setNotice(undefined)}>{notice}</SuccessBanner>}
      <div className="stack">
        {can('admin') && (
          <UploadBundle
            onOutcome={(message) => {
              setNotice(message);
              void refresh();
            }}
          />
        )}

        {list.isPending ? (
          <Loading label="Loading versions…" />
        ) : list.error ? (
          <ErrorBanner error={list.error} onRetry={() => void list.refetch()} />
        ) : versions.length === 0 ? (
          <Empty title="No app bundle yet">
            {can('admin') ? 'Upload a zip to publish the first version.' : 'An admin publishes versions here.'}
          </Empty>
        ) : (
          <section aria-labelledby="versions-heading">
            <h2 id="versions-heading" className="visually-hidden">
              Versions
            </h2>
            <div className="grid version-grid">
              {versions.map((version) => (
                <article
                  key={version.version}
                  className="card version-card"
                  data-active={version.active}
                  aria-label={`Version ${version.version}`}
                >
                  <header>
                    <h3>Version {version.version}</h3>
                    {version.active ? (
                      <span className="badge badge-active">● Active</span>
                    ) : (
                      <span className="badge">Inactive</span>
                    )}
                  </header>
                  <p className="muted small">
                    {version.formCount} {version.formCount === 1 ? 'form' : 'forms'}
                    {version.createdAt && ` · uploaded ${relativeTime(version.createdAt)}`}
                  </p>
                  <div className="card-actions">
                    {can('admin') && !version.active && (
                      <button
                        type="button"
                        className="button button-small"
                        onClick={() => setActivating(version.version)}
                      >
                        Activate
                      </button>
                    )}
                    {active && !version.active && (
                      <a
                        href="#compare"
                        className="button button-small"
                        onClick={() => setComparison({ from: active.version, to: version.version })}
                      >
                        Changes from active
                      </a>
                    )}
                  </div>
                </article>
              ))}
            </div>
          </section>
        )}

        {versions.length > 1 && (
          <CompareVersions
            versions={versions.map((v) => v.version)}
            from={from}
            to={to}
            onChange={(a, b) => setComparison({ from: a, to: b })}
          />
        )}
      </div>

      {activating && (
        <ActivateDialog
          version={activating}
          onClose={() => setActivating(undefined)}
          onStarted={() => setNotice(undefined)}
          onActivated={() => {
            setNotice(`Version ${activating} is now active.`);
            setActivating(undefined);
            void refresh();
          }}
        />
      )}
      {showManifest && <ManifestDialog onClose={() => setShowManifest(false)} />}
    </>
  );
}
