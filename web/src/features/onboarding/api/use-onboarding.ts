/** First visit: styles, tags and base models to pick from, and storing the picks. */

import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationResult,
  type UseQueryResult,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Me, Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';

export type OnboardingOffer = Schemas['OnboardingPublic'];
export type OnboardingPicks = Schemas['OnboardingPicks'];

export function useOnboardingOffer(): UseQueryResult<OnboardingOffer> {
  return useQuery({
    queryKey: keys.onboarding,
    queryFn: ({ signal }) => unwrap(api.GET('/api/onboarding', { signal })),
    staleTime: 10 * 60_000,
  });
}

export function useCompleteOnboarding(): UseMutationResult<Schemas['OnboardedPublic'], Error, OnboardingPicks> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: OnboardingPicks) => unwrap(api.POST('/api/onboarding', { body })),
    onSuccess: (done) => {
      const me = client.getQueryData<Me | null>(keys.me);
      if (me) client.setQueryData<Me>(keys.me, { ...me, onboarded: done.onboarded, preferences: done.preferences });
      void client.invalidateQueries({ queryKey: keys.recommendations });
      void client.invalidateQueries({ queryKey: keys.me });
    },
  });
}
