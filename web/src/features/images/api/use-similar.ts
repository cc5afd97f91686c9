/** More like this image, and the LoRAs that make its look. */

import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export function useSimilarImages(id: number, limit = 24): UseQueryResult<Schemas['ImageHitsPublic']> {
  return useQuery({
    queryKey: [...keys.similar, 'image', id, limit],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/images/{image_id}/similar', {
          params: { path: { image_id: id }, query: { limit } },
          signal,
        }),
      ),
  });
}

export function useLookLoras(id: number, limit = 8): UseQueryResult<Schemas['LoraHitsPublic']> {
  return useQuery({
    queryKey: [...keys.similar, 'image-loras', id, limit],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/images/{image_id}/loras', {
          params: { path: { image_id: id }, query: { limit } },
          signal,
        }),
      ),
  });
}
