/** Collections: list, open, create, rename, delete, and add or remove items. */

import {
  useMutation,
  useQuery,
  useQueryClient,
  type UseMutationResult,
  type UseQueryResult,
} from '@tanstack/react-query';

import { api, unwrap } from '@/lib/api/client';
import { errorMessage } from '@/lib/api/errors';
import type { Schemas } from '@/lib/api/types';
import { keys, type ItemType } from '@/lib/query-keys';
import { toast } from '@/lib/toast';

export type Collection = Schemas['CollectionPublic'];
export type CollectionDetail = Schemas['CollectionDetailPublic'];
export type CollectionItem = Schemas['CollectionItemPublic'];

export function useCollections(): UseQueryResult<Schemas['CollectionsPublic']> {
  return useQuery({
    queryKey: keys.collections,
    queryFn: ({ signal }) => unwrap(api.GET('/api/collections', { signal })),
  });
}

export function useCollection(id: number | null): UseQueryResult<CollectionDetail> {
  return useQuery({
    queryKey: [...keys.collections, id],
    queryFn: ({ signal }) =>
      unwrap(
        api.GET('/api/collections/{collection_id}', {
          params: { path: { collection_id: id ?? 0 } },
          signal,
        }),
      ),
    enabled: id !== null,
  });
}

function useRefreshCollections() {
  const client = useQueryClient();
  return () => client.invalidateQueries({ queryKey: keys.collections });
}

export function useCreateCollection(): UseMutationResult<Collection, Error, string> {
  const refresh = useRefreshCollections();
  return useMutation({
    mutationFn: (name: string) => unwrap(api.POST('/api/collections', { body: { name } })),
    onSuccess: (created) => {
      toast(`Created “${created.name}”`);
      void refresh();
    },
  });
}

export function useRenameCollection(): UseMutationResult<Collection, Error, { id: number; name: string }> {
  const refresh = useRefreshCollections();
  return useMutation({
    mutationFn: ({ id, name }) =>
      unwrap(
        api.PATCH('/api/collections/{collection_id}', {
          params: { path: { collection_id: id } },
          body: { name },
        }),
      ),
    onSuccess: () => void refresh(),
  });
}

export function useDeleteCollection(): UseMutationResult<void, Error, Collection> {
  const refresh = useRefreshCollections();
  return useMutation({
    mutationFn: async (c) => {
      await unwrap(api.DELETE('/api/collections/{collection_id}', { params: { path: { collection_id: c.id } } }));
    },
    onSuccess: (_v, c) => {
      toast(`Deleted “${c.name}” (saved items stay saved)`);
      void refresh();
    },
    onError: (error) => toast(`Could not delete: ${errorMessage(error)}`, 'error'),
  });
}

export interface CollectionItemVars {
  collection: Pick<Collection, 'id' | 'name'>;
  type: ItemType;
  id: number;
}

export function useAddToCollection(): UseMutationResult<CollectionDetail, Error, CollectionItemVars> {
  const client = useQueryClient();
  return useMutation({
    mutationFn: ({ collection, type, id }) =>
      unwrap(
        api.POST('/api/collections/{collection_id}/items', {
          params: { path: { collection_id: collection.id } },
          body: { item_type: type, item_id: id },
        }),
      ),
    onSuccess: (detail, { collection }) => {
      client.setQueryData([...keys.collections, collection.id], detail);
      toast(`Added to “${collection.name}”`);
      void client.invalidateQueries({ queryKey: keys.collections });
    },
    onError: (error, { collection }) =>
      toast(`Could not add to “${collection.name}”: ${errorMessage(error)}`, 'error'),
  });
}

interface RemoveSnapshot {
  previous: CollectionDetail | undefined;
}

export function useRemoveFromCollection(): UseMutationResult<
  CollectionDetail,
  Error,
  CollectionItemVars,
  RemoveSnapshot
> {
  const client = useQueryClient();
  return useMutation<CollectionDetail, Error, CollectionItemVars, RemoveSnapshot>({
    mutationFn: ({ collection, type, id }) =>
      unwrap(
        api.DELETE('/api/collections/{collection_id}/items/{item_type}/{item_id}', {
          params: { path: { collection_id: collection.id, item_type: type, item_id: id } },
        }),
      ),
    onMutate: ({ collection, type, id }) => {
      const key = [...keys.collections, collection.id];
      const previous = client.getQueryData<CollectionDetail>(key);
      if (previous) {
        client.setQueryData<CollectionDetail>(key, {
          ...previous,
          items: previous.items.filter((i) => !(i.item_type === type && i.item_id === id)),
          item_count: Math.max(0, previous.item_count - 1),
        });
      }
      return { previous };
    },
    onError: (error, { collection }, snapshot) => {
      if (snapshot?.previous) client.setQueryData([...keys.collections, collection.id], snapshot.previous);
      toast(`Could not remove: ${errorMessage(error)}`, 'error');
    },
    onSuccess: (detail, { collection }) => {
      client.setQueryData([...keys.collections, collection.id], detail);
      void client.invalidateQueries({ queryKey: keys.collections, exact: true });
    },
  });
}
