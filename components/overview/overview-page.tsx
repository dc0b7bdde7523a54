'use client';

import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/components/trpc';
import { ObservationCharts } from '@/components/charts/ObservationCharts';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Loading, PageHeader } from '@/components/ui/states';
import { formatCount, formatDateTime, relativeTime } from '@/components/lib/format';

/** One number of the overview, linking to its page; a spinner while it loads, a dash when it failed. */
function Stat<T>(props: {
  label: string;
  href: string;
  query: { isPending: boolean; data?: T };
  value: (data: T) => string;
}) {
  const { query } = props;
  return (
    <Link href={props.href} className="card stat">
      {query.isPending ? (
        <span className="spinner spinner-small" role="status" aria-label={`Loading ${props.label}`} />
      ) : (
        <span className="stat-value">{query.data === undefined ? '—' : props.value(query.data)}</span>
      )}
      <span className="stat-label">{props.label}</span>
    </Link>
  );
}

export function OverviewPage() {
  const trpc = useTRPC();
  const { can } = useCurrentUser();
  const health = useQuery(trpc.system.health.queryOptions());
  const version = useQuery(trpc.system.version.queryOptions({}));
  const users = useQuery({ ...trpc.users.list.queryOptions({}), enabled: can('admin') });
  const stats = useQuery(trpc.stats.observations.queryOptions({}));
  const bundles = useQuery(trpc.bundles.list.queryOptions());
  const repository = useQuery(trpc.sync.repositoryStatus.queryOptions());
  const activeBundle = bundles.data?.find((bundle) => bundle.active);

  return (
    <>
      <PageHeader title="Overview" description="The state of this Synkronus server at a glance." />
      {version.error && <ErrorBanner error={version.error} onRetry={() => void version.refetch()} />}

      <div className="stack">
        <div className="grid stat-strip">
          <Stat
            label="Observations (live)"
            href="/observations"
            query={stats}
            value={(data) => formatCount(data.totalCount)}
          />
          {can('admin') && (
            <Stat label="Users" href="/users" query={users} value={(data) => formatCount(data.length)} />
          )}
          <Stat
            label="App bundle versions"
            href="/bundles"
            query={bundles}
            value={(data) => formatCount(data.length)}
          />
          <Stat
            label="Active app bundle"
            href="/bundles"
            query={bundles}
            value={() => activeBundle?.version ?? 'none'}
          />
          <Stat
            label="Repository generation"
            href="/repository"
            query={repository}
            value={(data) => String(data.repositoryGeneration)}
          />
        </div>

        <ObservationCharts />

        <section className="card" aria-labelledby="server-heading">
          <h2 id="server-heading">Server</h2>
          {version.isPending ? (
            <Loading />
          ) : (
            <dl className="kv">
              <dt>Health</dt>
              <dd>
                {health.data ? (
                  <span className={health.data.ok ? 'badge badge-active' : 'badge badge-deleted'}>
                    {health.data.ok ? 'Healthy' : `Unhealthy: ${health.data.error}`}
                  </span>
                ) : (
                  '…'
                )}
                {health.data && <span className="muted small"> checked {relativeTime(health.data.timestamp)}</span>}
              </dd>
              <dt>Server version</dt>
              <dd>{version.data?.server.version ?? health.data?.version ?? '—'}</dd>
              <dt>Database</dt>
              <dd>
                {version.data ? `${version.data.database.version} (${version.data.database.database_name})` : '—'}
              </dd>
              <dt>Runtime</dt>
              <dd>
                {version.data
                  ? `${version.data.build.go_version} on ${version.data.system.os}/${version.data.system.architecture}, ${version.data.system.cpus} CPUs`
                  : '—'}
              </dd>
              <dt>Last repository reset</dt>
              <dd>
                {repository.data?.lastResetAt
                  ? `${formatDateTime(repository.data.lastResetAt)} by ${repository.data.lastResetBy ?? 'unknown'}`
                  : 'never'}
              </dd>
            </dl>
          )}
        </section>

        <section className="card" aria-labelledby="docs-heading">
          <h2 id="docs-heading">API</h2>
          <ul>
            <li>
              <a href="/openapi/swagger">API documentation (Swagger UI)</a>
            </li>
            <li>
              <a href="/openapi/synkronus.json">OpenAPI document</a>
            </li>
            <li>
              <a href="/health">Health check</a>
            </li>
          </ul>
        </section>
      </div>
    </>
  );
}
