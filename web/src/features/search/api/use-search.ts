/** Search queries: images and LoRAs fetched side by side, page by page, as the person refines. */

import {
  infiniteQueryOptions,
  keepPreviousData,
  useInfiniteQuery,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

import type { SearchState } from '../lib/search-state';

export type SearchResults = Schemas['SearchResultsPublic'];
export type ImageHit = Schemas['ImageHitPublic'];
export type LoraHit = Schemas['LoraHitPublic'];

type Kind = 'images' | 'loras';

function query(state: SearchState, kind: Kind, limit: number, cursor: string | null) {
  return {
    q: state.q,
    kind,
    limit,
    sort: state.sort,
    ...(cursor ? { cursor } : {}),
    ...(state.baseModel ? { base_model: [state.baseModel] } : {}),
    ...(state.modelType ? { model_type: [state.modelType] } : {}),
    ...(state.maxLevel !== null ? { max_level: state.maxLevel } : {}),
    ...(state.excludeTags.length ? { exclude_tags: state.excludeTags } : {}),
  };
}

export function searchPage(
  state: SearchState,
  kind: Kind,
  limit: number,
  cursor: string | null,
  signal?: AbortSignal,
): Promise<SearchResults> {
  return unwrap(
    api.GET('/api/search', { params: { query: query(state, kind, limit, cursor) }, signal }),
  );
}

export const IMAGE_PAGE = 30;
export const LORA_PAGE = 12;

/** One kind's search as query options, shared by the hooks and the route's prefetch. */
export function searchQuery(state: SearchState, kind: Kind, limit: number) {
  return infiniteQueryOptions({
    queryKey: [...keys.search, kind, state, limit],
    queryFn: ({ pageParam, signal }) => searchPage(state, kind, limit, pageParam, signal),
    initialPageParam: null as string | null,
    getNextPageParam: (last: SearchResults) => last[kind]?.next_cursor ?? null,
  });
}

function useSearchKind(state: SearchState, kind: Kind, limit: number) {
  return useInfiniteQuery({ ...searchQuery(state, kind, limit), placeholderData: keepPreviousData });
}

export function useImageSearch(state: SearchState, limit = IMAGE_PAGE) {
  const result = useSearchKind(state, 'images', limit);
  const pages = result.data?.pages ?? [];
  return {
    ...result,
    hits: pages.flatMap((p) => p.images?.data ?? []),
    total: pages[0]?.images?.total ?? 0,
    semantic: pages[0]?.semantic ?? true,
  };
}

export function useLoraSearch(state: SearchState, limit = LORA_PAGE) {
  const result = useSearchKind(state, 'loras', limit);
  const pages = result.data?.pages ?? [];
  return {
    ...result,
    hits: pages.flatMap((p) => p.loras?.data ?? []),
    total: pages[0]?.loras?.total ?? 0,
  };
}
