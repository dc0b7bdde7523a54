import type { ComponentType } from 'react';
import type { Role } from '@/server/auth/roles';
import { ConflictBadge } from '@/components/conflicts/conflict-badge';

export interface NavItem {
  href: string;
  label: string;
  /** Lowest role that sees the entry (the server enforces the same on every procedure). */
  role: Role;
  /** A count shown next to the label. */
  badge?: ComponentType;
}

/** The console's pages. A new page is its folder under app/(console)/ plus one entry here. */
export const NAV_ITEMS: NavItem[] = [
  { href: '/', label: 'Overview', role: 'read-only' },
  { href: '/users', label: 'Users', role: 'admin' },
  { href: '/bundles', label: 'App bundles', role: 'read-only' },
  { href: '/observations', label: 'Observations', role: 'read-only' },
  { href: '/conflicts', label: 'Conflicts', role: 'read-only', badge: ConflictBadge },
  { href: '/export', label: 'Data export', role: 'read-only' },
  { href: '/repository', label: 'Repository', role: 'read-only' },
  { href: '/audit', label: 'Audit log', role: 'admin' },
  { href: '/account', label: 'My account', role: 'read-only' },
];
