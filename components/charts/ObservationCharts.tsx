'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Empty, Loading } from '@/components/ui/states';
import { formatCount, formatDateTime } from '@/components/lib/format';
import { FormTypeChart } from '@/components/charts/FormTypeChart';
import { ObservationTimeline } from '@/components/charts/ObservationTimeline';

/** The Overview's "Data overview": observations over time and per form type, from GET /api/stats/observations. */
export function ObservationCharts() {
  const trpc = useTRPC();
  const stats = useQuery(trpc.stats.observations.queryOptions({}));

  let body;
  if (stats.isPending) body = <Loading label="Counting observations…" />;
  else if (stats.isError) body = <ErrorBanner error={stats.error} onRetry={() => void stats.refetch()} />;
  else if (stats.data.totalCount === 0) body = <Empty title="This server contains no observations yet" />;
  else {
    body = (
      <div className="grid" style={{ gridTemplateColumns: 'repeat(auto-fit, minmax(min(100%, 320px), 1fr))' }}>
        <div>
          <h3>Observations over time</h3>
          <ObservationTimeline timeline={stats.data.timeline} />
        </div>
        <div>
          <h3>Form types</h3>
          <FormTypeChart byFormType={stats.data.byFormType} total={stats.data.totalCount} />
        </div>
      </div>
    );
  }

  return (
    <section className="card" aria-labelledby="data-overview-heading">
      <div className="page-header">
        <div>
          <h2 id="data-overview-heading">Data overview</h2>
          {stats.data && (
            <p className="muted small">
              {formatCount(stats.data.totalCount)} observations · updated {formatDateTime(stats.data.computedAt)}
            </p>
          )}
        </div>
        <button type="button" className="button" onClick={() => void stats.refetch()} disabled={stats.isFetching}>
          {stats.isFetching && !stats.isPending ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {body}
    </section>
  );
}
