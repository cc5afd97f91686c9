/** One LoRA's page data, and the images made with it (page by page). */

import {
  useInfiniteQuery,
  useQuery,
  type InfiniteData,
  type UseInfiniteQueryResult,
  type UseQueryResult,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export type LoraDetail = Schemas['LoraDetailPublic'];
type ImageCards = Schemas['ImageCardsPublic'];

export function useLora(id: number): UseQueryResult<LoraDetail> {
  return useQuery({
    queryKey: keys.lora(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/loras/{lora_id}', { params: { path: { lora_id: id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}

export function useLoraImages(
  id: number,
  limit = 24,
): UseInfiniteQueryResult<InfiniteData<ImageCards, string | null>> {
  return useInfiniteQuery({
    queryKey: [...keys.lora(id), 'images', limit],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/loras/{lora_id}/images', {
          params: { path: { lora_id: id }, query: { limit, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}
