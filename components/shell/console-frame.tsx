import type { ReactNode } from 'react';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import { consoleSessionUser } from '@/server/console/session';
import { ConsoleShell } from '@/components/shell/console-shell';

/** Every console page: signed-in users only, the role read fresh from the database, inside the shell. */
export async function ConsoleFrame({ children }: { children: ReactNode }) {
  const user = await consoleSessionUser(await cookies());
  if (!user) redirect('/login');
  return <ConsoleShell user={{ username: user.username, role: user.role }}>{children}</ConsoleShell>;
}
