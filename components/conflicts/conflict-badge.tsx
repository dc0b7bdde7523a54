'use client';

import { useQuery } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import '@/components/history/history.css';

/** The number of open conflicts next to the navigation entry; nothing when there are none. */
export function ConflictBadge() {
  const trpc = useTRPC();
  const count = useQuery({ ...trpc.conflicts.openCount.queryOptions(), refetchInterval: 60_000 });
  if (!count.data) return null;
  return (
    <span className="nav-badge" data-testid="conflict-badge" aria-label={`${count.data} open`}>
      {count.data}
    </span>
  );
}
