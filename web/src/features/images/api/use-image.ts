/** One image's page data: prompt, settings, the LoRAs used. */

import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export type ImageDetail = Schemas['ImageDetailPublic'];
export type UsedResource = Schemas['UsedResourcePublic'];

export function useImage(id: number): UseQueryResult<ImageDetail> {
  return useQuery({
    queryKey: keys.image(id),
    queryFn: ({ signal }) =>
      unwrap(api.GET('/api/images/{image_id}', { params: { path: { image_id: id } }, signal })),
    enabled: Number.isSafeInteger(id) && id > 0,
  });
}
