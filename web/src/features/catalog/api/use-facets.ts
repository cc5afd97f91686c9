/** The values filters and preferences can take (base models, model types, content levels). */

import { useQuery, type UseQueryResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Schemas } from '@/lib/api/types';

export type Facets = Schemas['FacetsPublic'];

export function useFacets(): UseQueryResult<Facets> {
  return useQuery({
    queryKey: ['facets'],
    queryFn: () => unwrap(api.GET('/api/search/facets')),
    staleTime: 10 * 60_000,
  });
}
