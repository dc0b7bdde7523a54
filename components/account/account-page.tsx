'use client';

import { useId, useState, type FormEvent } from 'react';
import { useMutation } from '@tanstack/react-query';
import { signOut } from 'next-auth/react';
import { useTRPC } from '@/components/trpc';
import { useCurrentUser } from '@/components/current-user';
import { ErrorBanner } from '@/components/ui/error-banner';
import { PageHeader } from '@/components/ui/states';

function PasswordInput({ label, name, autoComplete }: { label: string; name: string; autoComplete: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>
        <span>{label}</span>
      </label>
      <input id={id} name={name} type="password" autoComplete={autoComplete} required />
    </div>
  );
}

/**
 * Every role changes its own password here. A wrong current password is an error in this form: the session
 * stays (the old portal treated the 401 as "signed out"). A changed password ends the session: sign in again.
 */
export function AccountPage() {
  const trpc = useTRPC();
  const me = useCurrentUser();
  const change = useMutation(trpc.users.changePassword.mutationOptions());
  const [mismatch, setMismatch] = useState(false);

  function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    change.reset();
    const formElement = event.currentTarget;
    const form = new FormData(formElement);
    const newPassword = String(form.get('newPassword'));
    setMismatch(newPassword !== form.get('confirmPassword'));
    if (newPassword !== form.get('confirmPassword')) return;
    change.mutate(
      { currentPassword: String(form.get('currentPassword')), newPassword },
      {
        // The change ended every console session of this user, this one included.
        onSuccess: async () => {
          formElement.reset();
          await signOut({ redirect: false });
          window.location.assign('/login?expired=password');
        },
      },
    );
  }

  return (
    <>
      <PageHeader title="My account" />
      <div className="stack">
        <section className="card" aria-labelledby="me-heading">
          <h2 id="me-heading">Signed in as</h2>
          <dl className="kv">
            <dt>Username</dt>
            <dd>{me.username}</dd>
            <dt>Role</dt>
            <dd>
              <span className={`badge role-${me.role}`}>{me.role}</span>
            </dd>
          </dl>
        </section>
        <section className="card card-narrow" aria-labelledby="password-heading">
          <h2 id="password-heading">Change password</h2>
          <form onSubmit={submit}>
            {change.error && <ErrorBanner error={change.error} />}
            {mismatch && (
              <div className="banner banner-error" role="alert">
                The new passwords do not match.
              </div>
            )}
            <PasswordInput label="Current password" name="currentPassword" autoComplete="current-password" />
            <PasswordInput label="New password" name="newPassword" autoComplete="new-password" />
            <PasswordInput label="Repeat new password" name="confirmPassword" autoComplete="new-password" />
            <div className="form-actions">
              <button type="submit" className="button button-primary" disabled={change.isPending}>
                {change.isPending ? 'Changing…' : 'Change password'}
              </button>
            </div>
          </form>
        </section>
      </div>
    </>
  );
}
