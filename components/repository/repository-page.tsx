'use client';

import { useId, useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { Loading, PageHeader } from '@/components/ui/states';
import { formatCount, formatDateTime } from '@/components/lib/format';

/** What the admin types; the server checks the same string (sync.resetRepository). */
const CONFIRMATION = 'RESET_REPOSITORY';

function ResetForm({ onReset }: { onReset: (generation: number) => void }) {
  const trpc = useTRPC();
  const confirmId = useId();
  const [typed, setTyped] = useState('');
  const reset = useMutation(trpc.sync.resetRepository.mutationOptions());

  function submit(event: FormEvent) {
    event.preventDefault();
    reset.mutate(
      { confirm: typed },
      {
        onSuccess: (result) => {
          setTyped('');
          onReset(result.repository_generation);
        },
      },
    );
  }

  return (
    <section className="card card-narrow" aria-labelledby="reset-heading">
      <h2 id="reset-heading">Reset the repository</h2>
      <p>
        Erases <strong>every observation and attachment</strong> on this server and starts a new generation. Devices
        then wipe their local data on their next sync. Export first if you need the data. This cannot be undone.
      </p>
      <form onSubmit={submit}>
        {reset.error && <ErrorBanner error={reset.error} />}
        <div className="field">
          <label htmlFor={confirmId}>
            <span>
              Type <code>{CONFIRMATION}</code> to confirm
            </span>
          </label>
          <input
            id={confirmId}
            autoComplete="off"
            spellCheck={false}
            className="mono"
            value={typed}
            onChange={(event) => setTyped(event.target.value)}
          />
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-danger" disabled={typed !== CONFIRMATION || reset.isPending}>
            {reset.isPending ? 'Resetting…' : 'Reset repository'}
          </button>
        </div>
      </form>
    </section>
  );
}

export function RepositoryPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const { can } = useCurrentUser();
  const status = useQuery(trpc.sync.repositoryStatus.queryOptions());
  const [notice, setNotice] = useState<string>();

  return (
    <>
      <PageHeader title="Repository" description="The synced data set as a whole: its generation and resets." />
      {notice && <SuccessBanner onDismiss={() => setNotice(undefined)}>{notice}</SuccessBanner>}
      <div className="stack">
        <section className="card" aria-labelledby="status-heading">
          <h2 id="status-heading">Status</h2>
          {status.isPending ? (
            <Loading />
          ) : status.error ? (
            <ErrorBanner error={status.error} onRetry={() => void status.refetch()} />
          ) : (
            <dl className="kv">
              <dt>Generation</dt>
              <dd data-testid="repository-generation">{status.data.repositoryGeneration}</dd>
              <dt>Current data version</dt>
              <dd>{formatCount(status.data.currentVersion)}</dd>
              <dt>Last reset</dt>
              <dd>
                {status.data.lastResetAt
                  ? `${formatDateTime(status.data.lastResetAt)} by ${status.data.lastResetBy ?? 'unknown'}`
                  : 'Never'}
              </dd>
            </dl>
          )}
        </section>
        {can('admin') && (
          <ResetForm
            onReset={(generation) => {
              setNotice(`Repository reset. The new generation is ${generation}.`);
              void queryClient.invalidateQueries({ queryKey: trpc.sync.pathKey() });
            }}
          />
        )}
      </div>
    </>
  );
}
