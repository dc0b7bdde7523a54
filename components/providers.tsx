'use client';

import { useState, type ReactNode } from 'react';
import { QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createTRPCClient, httpBatchLink, TRPCClientError } from '@trpc/client';
import { SessionProvider } from 'next-auth/react';
import type { AppRouter } from '@/server/routers/_app';
import { TRPCProvider } from '@/components/trpc';
import { describeError } from '@/components/lib/errors';
import { CONSOLE_AUTH_BASE_PATH } from '@/components/lib/auth-paths';

const MAX_RETRIES = 2;

/** A query that finds the session gone sends the person to sign in again; mutations report in their form. */
function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({
      onError(error) {
        if (describeError(error).unauthorized) window.location.assign('/login?expired=1');
      },
    }),
    defaultOptions: {
      queries: {
        staleTime: 10_000,
        // Only network trouble and 5xx are worth repeating; a 4xx answer will not change.
        retry: (failures, error) =>
          failures < MAX_RETRIES && !(error instanceof TRPCClientError && (error.data?.httpStatus ?? 500) < 500),
      },
    },
  });
}

export function Providers({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() => createTRPCClient<AppRouter>({ links: [httpBatchLink({ url: '/api/trpc' })] }));
  return (
    <SessionProvider basePath={CONSOLE_AUTH_BASE_PATH} refetchOnWindowFocus>
      <QueryClientProvider client={queryClient}>
        <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
          {children}
        </TRPCProvider>
      </QueryClientProvider>
    </SessionProvider>
  );
}
