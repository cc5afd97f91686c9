/** The signed-in person (or null for a visitor): one query every page and feature shares. */

import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { isUnauthorized } from '@/lib/api/errors';
import type { Me } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export const meQueryKey = keys.me;

export async function fetchMe(): Promise<Me | null> {
  try {
    return await unwrap(api.GET('/api/me'));
  } catch (error) {
    if (isUnauthorized(error)) return null;
    throw error;
  }
}

export function useMe(): UseQueryResult<Me | null> {
  return useQuery({ queryKey: meQueryKey, queryFn: fetchMe, staleTime: 60_000 });
}
