/** Which items the person saved, and saving or unsaving one with an optimistic toggle. */

import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationResult,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { keys, type ItemType } from '@/lib/query-keys';
import { toast } from '@/lib/toast';

import type { ItemRef } from './use-interactions';

const SAVED_PAGE = 100;

async function fetchSavedIds(type: ItemType): Promise<ReadonlySet<number>> {
  const kind = type === 'image' ? 'images' : 'loras';
  const page = await unwrap(
    api.GET('/api/favorites', { params: { query: { kind, limit: SAVED_PAGE } } }),
  );
  return new Set(page.data.map((f) => f.item_id));
}

/** The ids of saved items of one type (the newest 100: enough to mark cards as saved). */
export function useSavedIds(type: ItemType, enabled: boolean): ReadonlySet<number> {
  const { data } = useQuery({
    queryKey: keys.savedIds(type),
    queryFn: () => fetchSavedIds(type),
    enabled,
    staleTime: 5 * 60_000,
  });
  return data ?? new Set<number>();
}

/** Whether one item is saved: the live set once loaded, else what its detail page said. */
export function useIsSaved(type: ItemType, id: number, initial: boolean, enabled: boolean): boolean {
  const { data } = useQuery({
    queryKey: keys.savedIds(type),
    queryFn: () => fetchSavedIds(type),
    enabled,
    staleTime: 5 * 60_000,
  });
  return data ? data.has(id) : initial;
}

export interface SaveVars extends ItemRef {
  save: boolean;
}

interface SaveSnapshot {
  previous: ReadonlySet<number> | undefined;
}

function callSave({ type, id, save }: SaveVars): Promise<unknown> {
  const params = { path: { item_id: id } };
  if (type === 'image') {
    return unwrap(
      save
        ? api.PUT('/api/favorites/images/{item_id}', { params })
        : api.DELETE('/api/favorites/images/{item_id}', { params }),
    );
  }
  return unwrap(
    save
      ? api.PUT('/api/favorites/loras/{item_id}', { params })
      : api.DELETE('/api/favorites/loras/{item_id}', { params }),
  );
}

export function useToggleSave(): UseMutationResult<unknown, Error, SaveVars, SaveSnapshot> {
  const client = useQueryClient();
  return useMutation<unknown, Error, SaveVars, SaveSnapshot>({
    mutationFn: callSave,
    onMutate: async (vars) => {
      const key = keys.savedIds(vars.type);
      await client.cancelQueries({ queryKey: key });
      const previous = client.getQueryData<ReadonlySet<number>>(key);
      const next = new Set(previous ?? []);
      if (vars.save) next.add(vars.id);
      else next.delete(vars.id);
      client.setQueryData<ReadonlySet<number>>(key, next);
      return { previous };
    },
    onError: (error, vars, snapshot) => {
      if (snapshot?.previous) client.setQueryData(keys.savedIds(vars.type), snapshot.previous);
      else void client.invalidateQueries({ queryKey: keys.savedIds(vars.type) });
      toast(`Could not ${vars.save ? 'save' : 'unsave'}: ${errorMessage(error)}`, 'error');
    },
    onSuccess: (_data, vars) => {
      toast(vars.save ? 'Saved to your favorites' : 'Removed from your favorites');
      void client.invalidateQueries({ queryKey: keys.favorites });
      void client.invalidateQueries({ queryKey: keys.recommendations });
      void client.invalidateQueries({ queryKey: keys.me });
      void client.invalidateQueries({
        queryKey: vars.type === 'image' ? keys.image(vars.id) : keys.lora(vars.id),
      });
    },
  });
}
