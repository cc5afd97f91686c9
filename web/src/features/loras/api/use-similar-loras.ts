/** LoRAs like this one. */

import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export function useSimilarLoras(id: number, limit = 8): UseQueryResult<Schemas['LoraHitsPublic']> {
  return useQuery({
    queryKey: [...keys.similar, 'lora', id, limit],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/loras/{lora_id}/similar', {
          params: { path: { lora_id: id }, query: { limit } },
          signal,
        }),
      ),
  });
}
