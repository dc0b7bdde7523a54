'use client';

import { useState, type FormEvent } from 'react';
import { signIn } from 'next-auth/react';

/** next-auth's code for "authorize() said no"; other errors carry the server's own text. */
const WRONG_CREDENTIALS = 'CredentialsSignin';

/** `notice`: why the visitor is here (a session that ended, a password that changed). */
export function LoginForm({ notice, serverVersion }: { notice?: string; serverVersion: string }) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setBusy(true);
    setError(undefined);
    try {
      const result = await signIn('credentials', {
        username: String(form.get('username') ?? ''),
        password: String(form.get('password') ?? ''),
        redirect: false,
      });
      if (result?.ok && !result.error) {
        window.location.assign('/');
        return;
      }
      setError(
        result?.error === WRONG_CREDENTIALS ? 'Wrong username or password.' : (result?.error ?? 'Sign-in failed.'),
      );
    } catch {
      setError('The server could not be reached. Check your connection.');
    }
    setBusy(false);
  }

  return (
    <main className="login-page">
      <form className="card login-card" onSubmit={submit} aria-describedby={error ? 'login-error' : undefined}>
        <div className="login-brand">
          <span className="brand-mark" aria-hidden="true">
            S
          </span>
          <div>
            <h1>Synkronus</h1>
            <p className="muted">Sign in to the admin console</p>
          </div>
        </div>
        {notice && !error && (
          <div className="banner banner-info" role="status">
            {notice}
          </div>
        )}
        {error && (
          <div id="login-error" className="banner banner-error" role="alert">
            {error}
          </div>
        )}
        <label className="field">
          <span>Username</span>
          <input name="username" autoComplete="username" required autoFocus />
        </label>
        <label className="field">
          <span>Password</span>
          <input name="password" type="password" autoComplete="current-password" required />
        </label>
        <button type="submit" className="button button-primary button-block" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
        <p className="muted small">
          Server v{serverVersion} · <a href="/openapi/swagger">API documentation</a>
        </p>
      </form>
    </main>
  );
}
