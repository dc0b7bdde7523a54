'use client';

import { useId, useState, type FormEvent } from 'react';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { ErrorBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { formatDateTime } from '@/components/lib/format';
import '@/components/history/history.css';

const PAGE_SIZE = 25;

interface Filters {
  action: string;
  actor: string;
  from: string;
  to: string;
}

const NO_FILTERS: Filters = { action: '', actor: '', from: '', to: '' };

/** `datetime-local` values are local wall-clock times; the API takes RFC 3339. */
const toInstant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function detailsText(details: Record<string, unknown>): string {
  const entries = Object.entries(details);
  return entries.length === 0
    ? ''
    : entries.map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`).join(', ');
}

/** Who did what and when: sign-ins, user and bundle changes, resets, exports, conflict resolutions, restores. */
export function AuditPage() {
  const trpc = useTRPC();
  const ids = { action: useId(), actor: useId(), from: useId(), to: useId() };
  const [draft, setDraft] = useState<Filters>(NO_FILTERS);
  const [filters, setFilters] = useState<Filters>(NO_FILTERS);
  /** Cursors of the pages before the current one, so "Newer" can go back. */
  const [cursors, setCursors] = useState<Array<number | undefined>>([undefined]);
  const before = cursors[cursors.length - 1];
  const actions = useQuery(trpc.audit.actions.queryOptions());
  const page = useQuery({
    ...trpc.audit.list.queryOptions({
      limit: PAGE_SIZE,
      before,
      action: filters.action || undefined,
      actor: filters.actor.trim() || undefined,
      from: toInstant(filters.from),
      to: toInstant(filters.to),
    }),
    placeholderData: keepPreviousData,
  });

  function apply(event: FormEvent) {
    event.preventDefault();
    setFilters(draft);
    setCursors([undefined]);
  }

  const set = (key: keyof Filters) => (event: { target: { value: string } }) =>
    setDraft({ ...draft, [key]: event.target.value });

  return (
    <>
      <PageHeader
        title="Audit log"
        description="Every sign-in and admin action, newest first. Entries cannot be changed or removed."
      />
      <form className="toolbar" onSubmit={apply} aria-label="Filters">
        <div className="field">
          <label htmlFor={ids.action}>Action</label>
          <select id={ids.action} value={draft.action} onChange={set('action')}>
            <option value="">All actions</option>
            {(actions.data ?? []).map((action) => (
              <option key={action} value={action}>
                {action}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={ids.actor}>Actor</label>
          <input id={ids.actor} value={draft.actor} onChange={set('actor')} placeholder="username" autoComplete="off" />
        </div>
        <div className="field">
          <label htmlFor={ids.from}>From</label>
          <input id={ids.from} type="datetime-local" value={draft.from} onChange={set('from')} />
        </div>
        <div className="field">
          <label htmlFor={ids.to}>Until</label>
          <input id={ids.to} type="datetime-local" value={draft.to} onChange={set('to')} />
        </div>
        <div className="form-actions">
          <button type="submit" className="button button-primary">
            Apply
          </button>
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(NO_FILTERS);
              setFilters(NO_FILTERS);
              setCursors([undefined]);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      {page.isPending ? (
        <Loading />
      ) : page.error ? (
        <ErrorBanner error={page.error} onRetry={() => void page.refetch()} />
      ) : page.data.events.length === 0 ? (
        <Empty title="No events">Nothing matches these filters.</Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table aria-label="Audit events">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Action</th>
                  <th scope="col">Target</th>
                  <th scope="col">IP</th>
                  <th scope="col">Client</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {page.data.events.map((event) => (
                  <tr key={event.id} data-testid="audit-event">
                    <td>{formatDateTime(event.at)}</td>
                    <td>{event.actor}</td>
                    <td className="mono">{event.action}</td>
                    <td className="mono">{event.target ?? ''}</td>
                    <td className="mono">{event.ip ?? ''}</td>
                    <td className="mono">{event.client_id ?? ''}</td>
                    <td className="audit-details">{detailsText(event.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages">
            <button
              type="button"
              className="button"
              disabled={cursors.length <= 1}
              onClick={() => setCursors(cursors.slice(0, -1))}
            >
              Newer
            </button>
            <span aria-current="page">Page {cursors.length}</span>
            <button
              type="button"
              className="button"
              disabled={page.data.next_before === null}
              onClick={() => setCursors([...cursors, page.data.next_before ?? undefined])}
            >
              Older
            </button>
          </nav>
        </>
      )}
    </>
  );
}
