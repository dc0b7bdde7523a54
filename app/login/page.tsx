import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { consoleSessionUser } from '@/server/console/session';
import { LoginForm } from '@/components/login/login-form';
import { getConfig } from '@/server/config';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

const SESSION_ENDED = 'Your session ended. Please sign in again.';
const PASSWORD_CHANGED = 'Password changed. Sign in with the new password.';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ expired?: string }> }) {
  if (await consoleSessionUser(await cookies())) redirect('/');
  const { expired } = await searchParams;
  const notice = expired === undefined ? undefined : expired === 'password' ? PASSWORD_CHANGED : SESSION_ENDED;
  return <LoginForm notice={notice} serverVersion={getConfig().serverVersion} />;
}
