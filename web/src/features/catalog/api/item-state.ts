/**
 * What the person did to items in this visit that lists must reflect at once: liked items show
 * a filled heart, "not interested" items leave every list. Kept in the query cache so mutations
 * can update it optimistically and roll it back.
 */

import { useQuery, type QueryClient } from '@tanstack/react-query';

import { keys, type ItemType } from '@/lib/query-keys';

export interface ItemState {
  liked: ReadonlySet<string>;
  hidden: ReadonlySet<string>;
}

const EMPTY: ItemState = { liked: new Set(), hidden: new Set() };

export function itemKey(type: ItemType, id: number): string {
  return `${type}:${id}`;
}

export function useItemState(): ItemState {
  const { data } = useQuery({
    queryKey: keys.itemState,
    queryFn: () => EMPTY,
    initialData: EMPTY,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  return data;
}

export function readItemState(client: QueryClient): ItemState {
  return client.getQueryData<ItemState>(keys.itemState) ?? EMPTY;
}

export function updateItemState(
  client: QueryClient,
  field: keyof ItemState,
  key: string,
  present: boolean,
): void {
  const state = readItemState(client);
  const next = new Set(state[field]);
  if (present) next.add(key);
  else next.delete(key);
  client.setQueryData<ItemState>(keys.itemState, { ...state, [field]: next });
}

/** Drop items the person marked "not interested" from a list. */
export function useWithoutHidden<T>(
  items: readonly T[] | undefined,
  keyOf: (item: T) => string,
): T[] {
  const { hidden } = useItemState();
  return (items ?? []).filter((item) => !hidden.has(keyOf(item)));
}
