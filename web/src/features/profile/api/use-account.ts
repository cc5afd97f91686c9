/** Preferences, password and account deletion for the signed-in person. */

import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Me, PreferencesUpdate, Schemas } from '@/lib/api/types';
import { keys } from '@/lib/query-keys';
import { toast } from '@/lib/toast';

export function useUpdatePreferences(): UseMutationResult<Me, Error, PreferencesUpdate> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: PreferencesUpdate) => unwrap(api.PATCH('/api/me/preferences', { body })),
    onSuccess: (me) => {
      client.setQueryData(keys.me, me);
      // Blocked tags and the content level change what every list may show: refetch them all.
      void client.invalidateQueries({ predicate: (q) => q.queryKey[0] !== keys.me[0] });
    },
  });
}

export function useChangePassword(): UseMutationResult<void, Error, Schemas['PasswordChange']> {
  return useMutation({
    mutationFn: async (body) => {
      await unwrap(api.POST('/api/me/password', { body }));
    },
    onSuccess: () => toast('Password changed. Other sessions were signed out.'),
  });
}

export function useDeleteAccount(): UseMutationResult<void, Error, string> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (password: string) => {
      await unwrap(api.DELETE('/api/me', { body: { password } }));
    },
    onSuccess: () => {
      client.clear();
      client.setQueryData(keys.me, null);
    },
  });
}
