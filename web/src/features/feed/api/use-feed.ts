/** The personal feed and LoRA suggestions, each item with the reason it was picked. */

import { infiniteQueryOptions, queryOptions, useInfiniteQuery, useQuery } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export type FeedImage = Schemas['RecommendedImagePublic'];
export type FeedLora = Schemas['RecommendedLoraPublic'];

export const FEED_PAGE = 24;
export const SUGGESTIONS = 8;

export function feedImagesQuery(limit = FEED_PAGE) {
  return infiniteQueryOptions({
    queryKey: [...keys.feedImages, limit],
    queryFn: ({ pageParam, signal }) =>
      unwrap(
        api.GET('/api/recommendations/images', {
          params: { query: { limit, ...(pageParam ? { cursor: pageParam } : {}) } },
          signal,
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last: Schemas['RecommendedImagesPublic']) => last.next_cursor,
  });
}

export function feedLorasQuery(limit = SUGGESTIONS) {
  return queryOptions({
    queryKey: [...keys.feedLoras, limit],
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/recommendations/loras', { params: { query: { limit } }, signal })),
  });
}

/** Anonymous visitors get the popular-and-diverse feed from the same endpoints. */
export function useFeedImages(limit = FEED_PAGE) {
  const query = useInfiniteQuery(feedImagesQuery(limit));
  const pages = query.data?.pages ?? [];
  return {
    ...query,
    items: pages.flatMap((p) => p.data),
    personalised: pages[0]?.personalised ?? false,
  };
}

export function useFeedLoras(limit = SUGGESTIONS) {
  const query = useQuery(feedLorasQuery(limit));
  return {
    ...query,
    items: query.data?.data ?? [],
    personalised: query.data?.personalised ?? false,
  };
}
