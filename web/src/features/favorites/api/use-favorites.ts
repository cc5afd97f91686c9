/** The person's saved images or LoRAs, newest first, page by page. */

import { useInfiniteQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export type Favorite = Schemas['FavoritePublic'];
export type FavoriteKind = 'images' | 'loras';

const PAGE = 60;

export function useFavorites(kind: FavoriteKind) {
  const query = useInfiniteQuery({
    queryKey: [...keys.favorites, kind],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/favorites', {
          params: { query: { kind, limit: PAGE, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.next_cursor,
  });
  const pages = query.data?.pages ?? [];
  return {
    ...query,
    items: pages.flatMap((p) => p.data),
    count: pages[0]?.count ?? 0,
  };
}
