'use client';

import { useQueryClient } from '@tanstack/react-query';
import { useTRPC } from '@/components/trpc';
import { useLiveChanges } from '@/components/lib/use-live-changes';

/**
 * One watcher per console tab: when the server's data changes, every query that shows observation data is
 * invalidated, so the open page refetches now and any other page refetches when it is opened. A page with data
 * of its own adds its procedure's path here.
 */
export function LiveData() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  useLiveChanges(() => {
    const paths = [
      trpc.stats.observations.pathKey(),
      trpc.sync.repositoryStatus.pathKey(),
      trpc.sync.formTypes.pathKey(),
      trpc.console.observations.pathKey(),
      trpc.console.observationPoints.pathKey(),
    ];
    for (const queryKey of paths) void queryClient.invalidateQueries({ queryKey });
  });
  return null;
}
