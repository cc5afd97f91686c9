/** Register, log in and log out; each leaves the query cache matching who is signed in. */

import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import type { Credentials, Me } from '@/lib/api/types';

import { meQueryKey } from '@/lib/auth';

export function useLogin(): UseMutationResult<Me, Error, Credentials> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Credentials) => unwrap(api.POST('/api/auth/login', { body })),
    onSuccess: (me) => {
      // Whatever was cached belonged to a visitor (or someone else): start clean.
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== meQueryKey[0] });
      client.setQueryData(meQueryKey, me);
    },
  });
}

export function useRegister(): UseMutationResult<Me, Error, Credentials> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Credentials) => unwrap(api.POST('/api/auth/register', { body })),
    onSuccess: (me) => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== meQueryKey[0] });
      client.setQueryData(meQueryKey, me);
    },
  });
}

export function useLogout(): UseMutationResult<void, Error, void> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async () => {
      await unwrap(api.POST('/api/auth/logout'));
    },
    onSettled: () => {
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== meQueryKey[0] });
      client.setQueryData(meQueryKey, null);
    },
  });
}
