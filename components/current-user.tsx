'use client';

import { createContext, useContext, type ReactNode } from 'react';
import { hasRole, type Role } from '@/server/auth/roles';

export interface CurrentUser {
  username: string;
  role: Role;
}

const CurrentUserContext = createContext<CurrentUser | null>(null);

export function CurrentUserProvider({ user, children }: { user: CurrentUser; children: ReactNode }) {
  return <CurrentUserContext.Provider value={user}>{children}</CurrentUserContext.Provider>;
}

export function useCurrentUser(): CurrentUser & { can: (role: Role) => boolean } {
  const user = useContext(CurrentUserContext);
  if (!user) throw new Error('useCurrentUser outside the console layout');
  return { ...user, can: (role: Role) => hasRole(user.role, role) };
}
