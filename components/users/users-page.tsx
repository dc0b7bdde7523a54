'use client';

import { Fragment, useDeferredValue, useId, useState } from 'react';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner, SuccessBanner } from '@/components/ui/error-banner';
import { Empty, Loading, PageHeader } from '@/components/ui/states';
import { Pager } from '@/components/ui/pager';
import { formatDateTime } from '@/components/lib/format';
import { DeviceList, RelativeTime } from '@/components/users/presence';
import { ShareQrDialog } from '@/components/users/share-qr-dialog';
import {
  CreateUserDialog,
  DeleteUserDialog,
  ResetPasswordDialog,
  type IssuedCredentials,
} from '@/components/users/user-dialogs';

const PAGE_SIZE = 20;

type OpenDialog =
  | { kind: 'create' }
  | { kind: 'reset'; username: string }
  | { kind: 'delete'; username: string }
  | { kind: 'share'; credentials: IssuedCredentials };

export function UsersPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const me = useCurrentUser();
  const searchId = useId();
  const users = useQuery({ ...trpc.users.list.queryOptions({}), enabled: me.can('admin') });
  const [search, setSearch] = useState('');
  const deferredSearch = useDeferredValue(search.trim().toLowerCase());
  const [page, setPage] = useState(1);
  const [expanded, setExpanded] = useState<string>();
  const [dialog, setDialog] = useState<OpenDialog>();
  const [notice, setNotice] = useState<string>();

  if (!me.can('admin')) {
    return (
      <>
        <PageHeader title="Users" />
        <Empty title="Only admins manage users">Your own password is under My account.</Empty>
      </>
    );
  }

  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const matching = (users.data ?? []).filter(
    (user) =>
      !deferredSearch || user.username.toLowerCase().includes(deferredSearch) || user.role.includes(deferredSearch),
  );
  const pageCount = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const currentPage = Math.min(page, pageCount);
  const shown = matching.slice((currentPage - 1) * PAGE_SIZE, currentPage * PAGE_SIZE);
  const issued = (credentials: IssuedCredentials, what: string) => {
    setNotice(`${what} ${credentials.username}.`);
    setDialog({ kind: 'share', credentials });
    void refresh();
  };

  return (
    <>
      <PageHeader
        title="Users"
        description="Accounts for Formulus devices, scripts and this console, with what each device last reported."
        actions={
          <button type="button" className="button button-primary" onClick={() => setDialog({ kind: 'create' })}>
            Create user
          </button>
        }
      />
      {notice && <SuccessBanner onDismiss={() => setNotice(undefined)}>{notice}</SuccessBanner>}
      <div className="toolbar">
        <div className="field">
          <label htmlFor={searchId}>
            <span>Search</span>
          </label>
          <input
            id={searchId}
            type="search"
            placeholder="Username or role"
            value={search}
            onChange={(event) => {
              setSearch(event.target.value);
              setPage(1);
            }}
          />
        </div>
      </div>

      {users.isPending ? (
        <Loading label="Loading users…" />
      ) : users.error ? (
        <ErrorBanner error={users.error} onRetry={() => void users.refetch()} />
      ) : matching.length === 0 ? (
        <Empty title={search ? 'No user matches' : 'No users yet'}>
          {search ? 'Try another name or role.' : 'Create the first one.'}
        </Empty>
      ) : (
        <>
          <div className="table-wrap">
            <table className="stacked">
              <thead>
                <tr>
                  <th scope="col">User</th>
                  <th scope="col">Role</th>
                  <th scope="col" className="hide-narrow">
                    Created
                  </th>
                  <th scope="col">Last seen</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {shown.map((user) => {
                  const devices = user.presence?.clients ?? [];
                  const isExpanded = expanded === user.username;
                  return (
                    <Fragment key={user.username}>
                      <tr>
                        <td>
                          <strong>{user.username}</strong>
                          {user.username === me.username && <span className="muted small"> (you)</span>}
                        </td>
                        <td data-label="Role">
                          <span className={`badge role-${user.role}`}>{user.role}</span>
                        </td>
                        <td className="hide-narrow">{formatDateTime(user.createdAt)}</td>
                        <td data-label="Last seen">
                          <span>
                            {user.presence ? (
                              <RelativeTime iso={user.presence.lastSeenAt} />
                            ) : (
                              <span className="muted">never</span>
                            )}
                            {devices.length > 0 && (
                              <>
                                {' · '}
                                <button
                                  type="button"
                                  className="row-button small"
                                  aria-expanded={isExpanded}
                                  onClick={() => setExpanded(isExpanded ? undefined : user.username)}
                                >
                                  {devices.length} {devices.length === 1 ? 'device' : 'devices'}
                                </button>
                              </>
                            )}
                          </span>
                        </td>
                        <td className="actions">
                          <button
                            type="button"
                            className="button button-small"
                            onClick={() => setDialog({ kind: 'reset', username: user.username })}
                          >
                            Reset password
                          </button>
                          <button
                            type="button"
                            className="button button-small"
                            disabled={user.username === me.username}
                            title={user.username === me.username ? 'You cannot delete your own account' : undefined}
                            onClick={() => setDialog({ kind: 'delete', username: user.username })}
                          >
                            Delete
                          </button>
                        </td>
                      </tr>
                      {isExpanded && (
                        <tr>
                          <td colSpan={5} className="detail">
                            <DeviceList devices={devices} />
                          </td>
                        </tr>
                      )}
                    </Fragment>
                  );
                })}
              </tbody>
            </table>
          </div>
          <Pager page={currentPage} pageSize={PAGE_SIZE} total={matching.length} onPage={setPage} />
        </>
      )}

      {dialog?.kind === 'create' && (
        <CreateUserDialog
          onClose={() => setDialog(undefined)}
          onCreated={(credentials) => issued(credentials, 'Created')}
        />
      )}
      {dialog?.kind === 'reset' && (
        <ResetPasswordDialog
          username={dialog.username}
          onClose={() => setDialog(undefined)}
          onReset={(credentials) => issued(credentials, 'New password set for')}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteUserDialog
          username={dialog.username}
          onClose={() => setDialog(undefined)}
          onDeleted={() => {
            setNotice(`Deleted ${dialog.username}.`);
            setDialog(undefined);
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'share' && (
        <ShareQrDialog
          username={dialog.credentials.username}
          password={dialog.credentials.password}
          onClose={() => setDialog(undefined)}
        />
      )}
    </>
  );
}
