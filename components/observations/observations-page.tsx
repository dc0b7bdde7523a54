'use client';

import { useId, useState } from 'react';
import dynamic from 'next/dynamic';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { Pager } from '@/components/ui/pager';
import { formatCount, formatDateTime } from '@/components/lib/format';
import { useDebounced } from '@/components/lib/use-debounced';
import { ObservationDialog } from '@/components/observations/observation-dialog';

const PAGE_SIZE = 25;

/** Leaflet needs a browser: loaded only when the map is shown. */
const ObservationMap = dynamic(() => import('@/components/observations/observation-map'), {
  ssr: false,
  loading: () => <Loading label="Loading the map…" />,
});

type View = 'list' | 'map';

/**
 * Server-side paging through the console's browser procedures (not sync/pull), newest change first, or the
 * geolocated observations on a map under the same filter. Both refresh when new data arrives (LiveData).
 */
export function ObservationsPage({ mapTileUrl }: { mapTileUrl: string }) {
  const trpc = useTRPC();
  const [view, setView] = useState<View>('list');
  const formTypeId = useId();
  const searchId = useId();
  const [page, setPage] = useState(1);
  const [formType, setFormType] = useState('');
  const [search, setSearch] = useState('');
  const [includeDeleted, setIncludeDeleted] = useState(false);
  const [openId, setOpenId] = useState<string>();
  const debouncedSearch = useDebounced(search.trim());

  const formTypes = useQuery(trpc.sync.formTypes.queryOptions());
  const filter = { formType: formType || undefined, search: debouncedSearch || undefined, includeDeleted };
  const list = useQuery({
    ...trpc.console.observations.queryOptions({ ...filter, page, pageSize: PAGE_SIZE }),
    placeholderData: keepPreviousData,
    enabled: view === 'list',
  });
  const points = useQuery({
    ...trpc.console.observationPoints.queryOptions(filter),
    placeholderData: keepPreviousData,
    enabled: view === 'map',
  });
  const filtered = formType !== '' || debouncedSearch !== '' || includeDeleted;
  const resetPage =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setPage(1);
    };

  return (
    <>
      <PageHeader title="Observations" description="Records synced by Formulus devices, newest change first." />
      <div className="toolbar" role="search">
        <div className="field">
          <label htmlFor={formTypeId}>
            <span>Form type</span>
          </label>
          <select id={formTypeId} value={formType} onChange={(event) => resetPage(setFormType)(event.target.value)}>
            <option value="">All forms</option>
            {formTypes.data?.map((type) => (
              <option key={type.formType} value={type.formType}>
                {type.formType} ({formatCount(type.count)})
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={searchId}>
            <span>Observation id</span>
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Part of an id"
            value={search}
            onChange={(event) => resetPage(setSearch)(event.target.value)}
          />
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={includeDeleted}
            onChange={(event) => resetPage(setIncludeDeleted)(event.target.checked)}
          />
          Show deleted
        </label>
        <div className="view-switch" role="group" aria-label="View">
          {(['list', 'map'] as const).map((option) => (
            <button key={option} type="button" aria-pressed={view === option} onClick={() => setView(option)}>
              {option === 'list' ? 'List' : 'Map'}
            </button>
          ))}
        </div>
      </div>

      {view === 'map' ? (
        points.isPending ? (
          <Loading label="Loading locations…" />
        ) : points.error ? (
          <ErrorBanner error={points.error} onRetry={() => void points.refetch()} />
        ) : (
          <section aria-label="Map of observations" className="stack">
            <p className="muted small" role="status" data-testid="map-summary">
              {points.data.points.length === 0
                ? filtered
                  ? 'No observation under these filters has a location.'
                  : 'No observation has a location yet.'
                : `${formatCount(points.data.points.length)} ${points.data.truncated ? 'newest ' : ''}${points.data.points.length === 1 ? 'observation' : 'observations'} with a location. Click a point to open it.`}
              {!mapTileUrl && ' No basemap is configured (SYNKRONUS_MAP_TILE_URL).'}
            </p>
            <ObservationMap points={points.data.points} tileUrl={mapTileUrl} onOpen={setOpenId} />
          </section>
        )
      ) : list.isPending ? (
        <Loading label="Loading observations…" />
      ) : list.error ? (
        <ErrorBanner error={list.error} onRetry={() => void list.refetch()} />
      ) : list.data.items.length === 0 ? (
        <Empty title={filtered ? 'No observation matches' : 'No observations yet'}>
          {filtered ? 'Change the filters above.' : 'They appear here once a device syncs.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap" aria-busy={list.isFetching}>
            <table className="stacked">
              <thead>
                <tr>
                  <th scope="col">Id</th>
                  <th scope="col">Form</th>
                  <th scope="col" className="hide-narrow">
                    Author
                  </th>
                  <th scope="col">Updated</th>
                  <th scope="col" className="hide-narrow">
                    Version
                  </th>
                </tr>
              </thead>
              <tbody>
                {list.data.items.map((item) => (
                  <tr key={item.observationId}>
                    <td>
                      <button type="button" className="row-button mono" onClick={() => setOpenId(item.observationId)}>
                        {item.observationId}
                      </button>
                      {item.deleted && (
                        <>
                          {' '}
                          <span className="badge badge-deleted">Deleted</span>
                        </>
                      )}
                    </td>
                    <td data-label="Form">
                      {item.formType} <span className="muted small">v{item.formVersion}</span>
                    </td>
                    <td className="hide-narrow">{item.author ?? '—'}</td>
                    <td data-label="Updated">{formatDateTime(item.updatedAt)}</td>
                    <td className="hide-narrow">{item.version}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager page={page} pageSize={PAGE_SIZE} total={list.data.total} onPage={setPage} />
        </>
      )}
      {openId && <ObservationDialog observationId={openId} onClose={() => setOpenId(undefined)} />}
    </>
  );
}
