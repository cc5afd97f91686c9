/** A compact "Add to collection" picker under a saved item. */

import { useId, type ReactElement } from 'react';

import type { ItemType } from '@/lib/query-keys';

import { useAddToCollection, useCollections } from '../api/use-collections';

export function AddToCollection({ type, id, label }: { type: ItemType; id: number; label: string }): ReactElement | null {
  const selectId = useId();
  const collections = useCollections();
  const add = useAddToCollection();
  const list = collections.data?.data ?? [];
  if (list.length === 0) return null;
  return (
    <div className="add-to">
      <label htmlFor={selectId} className="visually-hidden">
        Add {label} to a collection
      </label>
      <select
        id={selectId}
        className="select add-to__select"
        value=""
        disabled={add.isPending}
        onChange={(e) => {
          const collection = list.find((c) => String(c.id) === e.target.value);
          if (collection) add.mutate({ collection, type, id });
        }}
      >
        <option value="">{add.isPending ? 'Adding…' : 'Add to collection…'}</option>
        {list.map((c) => (
          <option key={c.id} value={c.id}>
            {c.name} ({c.item_count})
          </option>
        ))}
      </select>
    </div>
  );
}
