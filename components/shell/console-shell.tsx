'use client';

import Link from 'next/link';
import { usePathname } from 'next/navigation';
import { useState, type ReactNode } from 'react';
import { signOut } from 'next-auth/react';
import { CurrentUserProvider, type CurrentUser } from '@/components/current-user';
import { NAV_ITEMS } from '@/components/shell/nav';
import { ThemeToggle } from '@/components/shell/theme-toggle';
import { LiveData } from '@/components/shell/live-data';
import { hasRole } from '@/server/auth/roles';

function isCurrent(href: string, pathname: string): boolean {
  return href === '/' ? pathname === '/' : pathname === href || pathname.startsWith(`${href}/`);
}

/** Header, role-aware navigation (a sidebar, or a menu on a phone) and the signed-in user. */
export function ConsoleShell({ user, children }: { user: CurrentUser; children: ReactNode }) {
  const pathname = usePathname();
  // The phone menu closes on navigation: it is open only for the page it was opened on.
  const [openedOn, setOpenedOn] = useState<string | null>(null);
  const menuOpen = openedOn === pathname;

  return (
    <CurrentUserProvider user={user}>
      <LiveData />
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <div className="shell" data-menu-open={menuOpen}>
        <header className="topbar">
          <Link href="/" className="brand">
            <span className="brand-mark" aria-hidden="true">
              S
            </span>
            Synkronus
          </Link>
          <button
            type="button"
            className="button menu-button"
            aria-expanded={menuOpen}
            aria-controls="console-nav console-account"
            onClick={() => setOpenedOn(menuOpen ? null : pathname)}
          >
            Menu
          </button>
          <div id="console-account" className="topbar-user">
            <ThemeToggle />
            <span className="user-chip">
              <span className="user-name">{user.username}</span>
              <span className={`badge role-${user.role}`}>{user.role}</span>
            </span>
            <button
              type="button"
              className="button"
              onClick={async () => {
                await signOut({ redirect: false });
                window.location.assign('/login');
              }}
            >
              Sign out
            </button>
          </div>
        </header>
        <div className="shell-body">
          <nav id="console-nav" className="sidebar" aria-label="Console">
            <ul>
              {NAV_ITEMS.filter((item) => hasRole(user.role, item.role)).map((item) => (
                <li key={item.href}>
                  <Link href={item.href} aria-current={isCurrent(item.href, pathname) ? 'page' : undefined}>
                    {item.label}
                    {item.badge && <item.badge />}
                  </Link>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main" className="content" tabIndex={-1}>
            {children}
          </main>
        </div>
      </div>
    </CurrentUserProvider>
  );
}
