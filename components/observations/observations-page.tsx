'use client';

import { useId, useState } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { Pager } from '@/components/ui/pager';
import { formatCount, formatDateTime } from '@/components/lib/format';
import { useDebounced } from '@/components/lib/use-debounced';
import { ObservationDialog } from '@/components/observations/observation-dialog';

const PAGE_SIZE = 25;

/** Server-side paging through the console's query procedure (not sync/pull). */
export function ObservationsPage() {
  const trpc = useTRPC();
  const formTypeId = useId();
  const searchId = useId();
  const [page, setPage] = useState(1);
  const [formType, setFormType] = useState('');
  const [search, setSearch] = useState('');
  const [includeDeleted, setIncludeDeleted] = useState(false);
  const [openId, setOpenId] = useState<string>();
  const debouncedSearch = useDebounced(search.trim());

  const formTypes = useQuery(trpc.sync.formTypes.queryOptions());
  const list = useQuery({
    ...trpc.sync.listObservations.queryOptions({
      page,
      pageSize: PAGE_SIZE,
      formType: formType || undefined,
      search: debouncedSearch || undefined,
      includeDeleted,
    }),
    placeholderData: keepPreviousData,
  });
  const filtered = formType !== '' || debouncedSearch !== '' || includeDeleted;
  const resetPage = <T,>(set: (value: T) => void) => (value: T) => {
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
          <input id={searchId} type="search" placeholder="Part of an id" value={search} onChange={(event) => resetPage(setSearch)(event.target.value)} />
        </div>
        <label className="checkbox">
          <input type="checkbox" checked={includeDeleted} onChange={(event) => resetPage(setIncludeDeleted)(event.target.checked)} />
          Show deleted
        </label>
      </div>

      {list.isPending ? (
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
                  <th scope="col" className="hide-narrow">Author</th>
                  <th scope="col">Updated</th>
                  <th scope="col" className="hide-narrow">Version</th>
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
