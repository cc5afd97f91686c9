/** The one TanStack Query client, with defaults suited to a catalogue that changes slowly. */

import { QueryClient } from '@tanstack/react-query';

import { ApiError } from './api/errors';

function shouldRetry(failureCount: number, error: unknown): boolean {
  if (error instanceof ApiError && error.status < 500) {
    return false;
  }
  return failureCount < 2;
}

export function makeQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 30_000,
        gcTime: 5 * 60_000,
        retry: shouldRetry,
        refetchOnWindowFocus: false,
      },
      mutations: { retry: false },
    },
  });
}

/** The app's client: one per page load, shared by the providers and route prefetches. */
export const queryClient = makeQueryClient();
