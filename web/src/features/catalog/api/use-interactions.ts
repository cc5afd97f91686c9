/**
 * Like and "not interested": logged as interactions, shown at once (optimistic), rolled back
 * with a message when the server refuses, and followed by a refresh of the personal feeds.
 */

import { useMutation, useQueryClient, type UseMutationResult } from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import { keys, type ItemType } from '@/lib/query-keys';
import { toast } from '@/lib/toast';

import { itemKey, readItemState, updateItemState } from './item-state';

export interface ItemRef {
  type: ItemType;
  id: number;
}

type Kind = 'view' | 'click' | 'like' | 'dislike' | 'save' | 'unsave' | 'hide';

export function logInteraction(ref: ItemRef, kind: Kind): Promise<unknown> {
  return unwrap(
    api.POST('/api/interactions', { body: { item_type: ref.type, item_id: ref.id, kind } }),
  );
}

interface Snapshot {
  had: boolean;
}

function useTasteMutation(
  kind: 'like' | 'dislike',
  field: 'liked' | 'hidden',
  failure: string,
): UseMutationResult<unknown, Error, ItemRef, Snapshot> {
  const client = useQueryClient();
  return useMutation<unknown, Error, ItemRef, Snapshot>({
    mutationFn: (ref) => logInteraction(ref, kind),
    onMutate: (ref) => {
      const key = itemKey(ref.type, ref.id);
      const had = readItemState(client)[field].has(key);
      updateItemState(client, field, key, true);
      return { had };
    },
    onError: (error, ref, snapshot) => {
      if (!snapshot?.had) updateItemState(client, field, itemKey(ref.type, ref.id), false);
      toast(`${failure}: ${errorMessage(error)}`, 'error');
    },
    onSuccess: () => client.invalidateQueries({ queryKey: keys.recommendations }),
  });
}

export function useLike(): UseMutationResult<unknown, Error, ItemRef, Snapshot> {
  return useTasteMutation('like', 'liked', 'Could not record your like');
}

export function useNotInterested(): UseMutationResult<unknown, Error, ItemRef, Snapshot> {
  return useTasteMutation('dislike', 'hidden', 'Could not hide that');
}
