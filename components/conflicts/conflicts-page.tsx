'use client';

import { useState } from 'react';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { formatDateTime } from '@/components/lib/format';
import { FieldDiff } from '@/components/history/field-diff';
import '@/components/history/history.css';

const PAGE_SIZE = 20;

type Status = 'open' | 'resolved';

interface SideSummary {
  version: number;
  username: string | null;
  client_id: string | null;
}

function Side({ title, side, note }: { title: string; side: SideSummary; note: string }) {
  return (
    <div className="side">
      <h3>{title}</h3>
      <div>
        Version <strong>{side.version}</strong> by {side.username ?? 'unknown user'}
      </div>
      <div className="small muted">{side.client_id ? `on ${side.client_id}` : 'client unknown'}</div>
      <div className="small muted">{note}</div>
    </div>
  );
}

function ConflictCard({ id, onResolved }: { id: string; onResolved: (message: string) => void }) {
  const trpc = useTRPC();
  const { can } = useCurrentUser();
  const detail = useQuery(trpc.conflicts.get.queryOptions({ id }));
  const resolve = useMutation(trpc.conflicts.resolve.mutationOptions());

  if (detail.isPending) return <Loading />;
  if (detail.error) return <ErrorBanner error={detail.error} onRetry={() => void detail.refetch()} />;
  const conflict = detail.data;

  function keep(side: 'winner' | 'loser') {
    resolve.mutate(
      { id, keep: side },
      {
        onSuccess: (result) =>
          onResolved(
            side === 'loser'
              ? `Kept the losing version of ${result.observation_id}: written as version ${result.resolution?.version}.`
              : `Kept the current version of ${result.observation_id}.`,
          ),
      },
    );
  }

  return (
    <article className="card stack" aria-labelledby={`conflict-${id}`} data-testid="conflict">
      <header className="timeline-head">
        <h2 id={`conflict-${id}`} className="mono">
          {conflict.observation_id}
        </h2>
        <span className="muted">detected {formatDateTime(conflict.detected_at)}</span>
        {conflict.resolution && (
          <span className="badge">
            kept {conflict.resolution.keep} · {conflict.resolution.resolved_by} ·{' '}
            {formatDateTime(conflict.resolution.resolved_at)}
          </span>
        )}
      </header>
      <div className="sides">
        <Side
          title="Winner (current on devices)"
          side={conflict.winner}
          note="Pushed later, without having pulled the loser."
        />
        <Side title="Loser (overwritten)" side={conflict.loser} note="Its content is kept in history." />
      </div>
      {conflict.winner_version && conflict.loser_version ? (
        <FieldDiff
          left={conflict.loser_version}
          right={conflict.winner_version}
          leftLabel={`Loser v${conflict.loser.version}`}
          rightLabel={`Winner v${conflict.winner.version}`}
        />
      ) : (
        <p className="muted">One side is no longer kept (history retention), so no diff can be shown.</p>
      )}
      {resolve.error && <ErrorBanner error={resolve.error} />}
      {!conflict.resolution && can('read-write') && (
        <div className="form-actions">
          <button type="button" className="button" disabled={resolve.isPending} onClick={() => keep('winner')}>
            Keep winner
          </button>
          <button
            type="button"
            className="button button-primary"
            disabled={resolve.isPending || !conflict.loser_version}
            onClick={() => keep('loser')}
          >
            Keep loser
          </button>
        </div>
      )}
    </article>
  );
}

/** Conflicts detected on push: both sides, their differences, and the choice of which to keep. */
export function ConflictsPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [status, setStatus] = useState<Status>('open');
  const [notice, setNotice] = useState<string>();
  const list = useInfiniteQuery(
    trpc.conflicts.list.infiniteQueryOptions(
      { status, limit: PAGE_SIZE },
      { getNextPageParam: (page) => page.next_cursor ?? undefined },
    ),
  );
  const conflicts = list.data?.pages.flatMap((page) => page.conflicts) ?? [];

  return (
    <>
      <PageHeader
        title="Conflicts"
        description="A push that overwrote a version its device had not pulled. The later push stays current on devices until you keep the other side."
      />
      {notice && <SuccessBanner onDismiss={() => setNotice(undefined)}>{notice}</SuccessBanner>}
      <div className="toolbar" role="group" aria-label="Status">
        {(['open', 'resolved'] as const).map((value) => (
          <button
            key={value}
            type="button"
            className={`button${status === value ? ' button-primary' : ''}`}
            aria-pressed={status === value}
            onClick={() => setStatus(value)}
          >
            {value === 'open' ? 'Open' : 'Resolved'}
          </button>
        ))}
      </div>
      {list.isPending ? (
        <Loading />
      ) : list.error ? (
        <ErrorBanner error={list.error} onRetry={() => void list.refetch()} />
      ) : conflicts.length === 0 ? (
        <Empty title={status === 'open' ? 'No open conflicts' : 'No resolved conflicts'}>
          {status === 'open' ? 'Every push so far replaced only versions its device had seen.' : undefined}
        </Empty>
      ) : (
        <div className="stack">
          {conflicts.map((conflict) => (
            <ConflictCard
              key={conflict.id}
              id={conflict.id}
              onResolved={(message) => {
                setNotice(message);
                void queryClient.invalidateQueries({ queryKey: trpc.conflicts.pathKey() });
                void queryClient.invalidateQueries({ queryKey: trpc.history.pathKey() });
              }}
            />
          ))}
          {list.hasNextPage && (
            <button
              type="button"
              className="button"
              disabled={list.isFetchingNextPage}
              onClick={() => void list.fetchNextPage()}
            >
              {list.isFetchingNextPage ? 'Loading…' : 'Load more'}
            </button>
          )}
        </div>
      )}
    </>
  );
}
