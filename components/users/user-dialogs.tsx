'use client';

import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { Dialog } from '@/components/ui/dialog';
import { ErrorBanner } from '@/components/ui/error-banner';
import { GeneratedPasswordField } from '@/components/users/password-field';
import { generatePassword } from '@/components/lib/passwords';
import { ROLES, type Role } from '@/server/auth/roles';

const ROLE_HINTS: Record<Role, string> = {
  'read-only': 'Read only: view and download',
  'read-write': 'Read write: also sync observations and attachments',
  admin: 'Admin: everything, including users and app bundles',
};

export interface IssuedCredentials {
  username: string;
  password: string;
}

export function CreateUserDialog(props: { onClose: () => void; onCreated: (credentials: IssuedCredentials) => void }) {
  const trpc = useTRPC();
  const usernameId = useId();
  const roleId = useId();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState(generatePassword);
  const [role, setRole] = useState<Role>('read-only');
  const create = useMutation(trpc.users.create.mutationOptions());

  function submit(event: FormEvent) {
    event.preventDefault();
    create.mutate(
      { username, password, role },
      { onSuccess: (user) => props.onCreated({ username: user.username, password }) },
    );
  }

  return (
    <Dialog title="Create user" onClose={props.onClose}>
      <form onSubmit={submit}>
        {create.error && <ErrorBanner error={create.error} />}
        <div className="field">
          <label htmlFor={usernameId}>
            <span>Username</span>
          </label>
          <input
            id={usernameId}
            name="username"
            required
            autoFocus
            autoComplete="off"
            maxLength={255}
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
        </div>
        <GeneratedPasswordField label="Password" value={password} onChange={setPassword} />
        <div className="field">
          <label htmlFor={roleId}>
            <span>Role</span>
          </label>
          <select id={roleId} name="role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLES.map((value) => (
              <option key={value} value={value}>
                {ROLE_HINTS[value]}
              </option>
            ))}
          </select>
        </div>
        <div className="form-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={create.isPending}>
            {create.isPending ? 'Creating…' : 'Create user'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function ResetPasswordDialog(props: {
  username: string;
  onClose: () => void;
  onReset: (credentials: IssuedCredentials) => void;
}) {
  const trpc = useTRPC();
  const [password, setPassword] = useState(generatePassword);
  const reset = useMutation(trpc.users.resetPassword.mutationOptions());

  function submit(event: FormEvent) {
    event.preventDefault();
    reset.mutate(
      { username: props.username, newPassword: password },
      { onSuccess: () => props.onReset({ username: props.username, password }) },
    );
  }

  return (
    <Dialog title={`Reset password of ${props.username}`} onClose={props.onClose}>
      <form onSubmit={submit}>
        {reset.error && <ErrorBanner error={reset.error} />}
        <p className="muted">
          The old password stops working at once. Devices signed in as this user must sign in again.
        </p>
        <GeneratedPasswordField label="New password" value={password} onChange={setPassword} />
        <div className="form-actions">
          <button type="button" className="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="button button-primary" disabled={reset.isPending}>
            {reset.isPending ? 'Resetting…' : 'Reset password'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}

export function DeleteUserDialog(props: { username: string; onClose: () => void; onDeleted: () => void }) {
  const trpc = useTRPC();
  const remove = useMutation(trpc.users.delete.mutationOptions());
  return (
    <Dialog title="Delete user" onClose={props.onClose}>
      {remove.error && <ErrorBanner error={remove.error} />}
      <p>
        Delete <strong>{props.username}</strong>? Their sign-in and device presence are removed. Observations they
        synced stay.
      </p>
      <div className="form-actions">
        <button type="button" className="button" onClick={props.onClose} autoFocus>
          Cancel
        </button>
        <button
          type="button"
          className="button button-danger"
          disabled={remove.isPending}
          // The procedure is also DELETE /users/delete/{username}, whose parameter arrives percent-encoded.
          onClick={() =>
            remove.mutate({ username: encodeURIComponent(props.username) }, { onSuccess: props.onDeleted })
          }
        >
          {remove.isPending ? 'Deleting…' : 'Delete user'}
        </button>
      </div>
    </Dialog>
  );
}
