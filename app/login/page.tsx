import type { Metadata } from 'next';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { consoleSessionUser } from '@/server/auth/console-session';
import { LoginForm } from '@/components/login/login-form';
import { getConfig } from '@/server/config';

export const metadata: Metadata = { title: 'Sign in' };
export const dynamic = 'force-dynamic';

export default async function LoginPage({ searchParams }: { searchParams: Promise<{ expired?: string }> }) {
  if (await consoleSessionUser(await cookies())) redirect('/');
  const { expired } = await searchParams;
  return <LoginForm sessionExpired={expired !== undefined} serverVersion={getConfig().serverVersion} />;
}
