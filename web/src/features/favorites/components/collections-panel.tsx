/** Collections: make one, rename or delete it, open it to see and remove its items. */

import { useId, useState, type ReactElement, type SubmitEvent } from 'react';

import { Button } from '@/components/ui/button';
import { PlusIcon, XIcon } from '@/components/ui/icons';
import { EmptyState, ErrorState, InlineError, LoadingState } from '@/components/ui/states';
import { ImageGrid } from '@/features/catalog/components/image-grid';
import { LoraList } from '@/features/catalog/components/lora-list';

import {
  useCollection,
  useCollections,
  useCreateCollection,
  useDeleteCollection,
  useRemoveFromCollection,
  useRenameCollection,
  type Collection,
} from '../api/use-collections';

function CreateCollection(): ReactElement {
  const id = useId();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const create = useCreateCollection();
  const error = touched && !name.trim() ? 'Give the collection a name.' : null;
  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setTouched(true);
    if (!name.trim()) return;
    create.mutate(name.trim(), {
      onSuccess: () => {
        setName('');
        setTouched(false);
      },
    });
  };
  return (
    <form className="collection-create" onSubmit={onSubmit} noValidate aria-label="Create a collection">
      <div className="field">
        <label htmlFor={id} className="field__label">
          New collection
        </label>
        <div className="row row--nowrap">
          <input
            id={id}
            className="input"
            value={name}
            maxLength={120}
            placeholder="e.g. Harbors at dusk"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? `${id}-error` : undefined}
            onChange={(e) => setName(e.target.value)}
          />
          <Button type="submit" variant="primary" disabled={create.isPending}>
            <PlusIcon /> Create
          </Button>
        </div>
        {error && (
          <span id={`${id}-error`} className="field__error">
            {error}
          </span>
        )}
      </div>
      <InlineError error={create.error} />
    </form>
  );
}

function RenameForm({ collection, onDone }: { collection: Collection; onDone: () => void }): ReactElement {
  const id = useId();
  const [name, setName] = useState(collection.name);
  const rename = useRenameCollection();
  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (!name.trim() || name.trim() === collection.name) {
      onDone();
      return;
    }
    rename.mutate({ id: collection.id, name: name.trim() }, { onSuccess: onDone });
  };
  return (
    <form className="rename" onSubmit={onSubmit} aria-label={`Rename ${collection.name}`}>
      <label htmlFor={id} className="visually-hidden">
        New name
      </label>
      <div className="row row--nowrap">
        <input id={id} className="input" value={name} maxLength={120} onChange={(e) => setName(e.target.value)} autoFocus />
        <Button type="submit" variant="primary" size="small" disabled={rename.isPending}>
          Save name
        </Button>
        <Button size="small" variant="ghost" onClick={onDone}>
          Cancel
        </Button>
      </div>
      <InlineError error={rename.error} />
    </form>
  );
}

function OpenCollection({ collection, onClose }: { collection: Collection; onClose: () => void }): ReactElement {
  const detail = useCollection(collection.id);
  const remove = useRemoveFromCollection();
  const del = useDeleteCollection();
  const [renaming, setRenaming] = useState(false);
  const items = detail.data?.items ?? [];
  const images = items.flatMap((i) => (i.image ? [{ image: i.image }] : []));
  const loras = items.flatMap((i) => (i.lora ? [{ lora: i.lora }] : []));
  return (
    <section className="collection-open" aria-labelledby="open-collection-title">
      <div className="collection-open__head">
        {renaming ? (
          <RenameForm collection={collection} onDone={() => setRenaming(false)} />
        ) : (
          <h2 id="open-collection-title">
            {collection.name} <span className="count">{collection.item_count}</span>
          </h2>
        )}
        <div className="row">
          {!renaming && (
            <Button size="small" onClick={() => setRenaming(true)}>
              Rename
            </Button>
          )}
          <Button
            size="small"
            variant="danger"
            onClick={() => {
              if (window.confirm(`Delete the collection “${collection.name}”? Saved items stay saved.`)) {
                del.mutate(collection, { onSuccess: onClose });
              }
            }}
          >
            Delete
          </Button>
          <Button size="small" variant="ghost" onClick={onClose}>
            Back to collections
          </Button>
        </div>
      </div>
      {detail.isPending ? (
        <LoadingState />
      ) : detail.isError ? (
        <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="This collection is empty">
          Add saved images and LoRAs with the “Add to collection…” menu under each one.
        </EmptyState>
      ) : (
        <>
          {loras.length > 0 && (
            <h3 className="collection-open__kind">LoRAs</h3>
          )}
          {loras.length > 0 && (
            <LoraList
              layout="tile"
              items={loras}
              label={`LoRAs in ${collection.name}`}
              renderFooter={(item) => (
                <Button size="small" variant="ghost" onClick={() => remove.mutate({ collection, type: 'lora', id: item.lora.id })}>
                  <XIcon /> Remove from collection
                </Button>
              )}
            />
          )}
          {images.length > 0 && <h3 className="collection-open__kind">Images</h3>}
          {images.length > 0 && (
            <div className="collection-open__images">
              <ImageGrid
                items={images}
                label={`Images in ${collection.name}`}
                renderExtra={(item) => (
                  <Button size="small" variant="ghost" onClick={() => remove.mutate({ collection, type: 'image', id: item.image.id })}>
                    <XIcon /> Remove from collection
                  </Button>
                )}
              />
            </div>
          )}
        </>
      )}
    </section>
  );
}

export function CollectionsPanel({
  openId,
  onOpen,
}: {
  openId: number | null;
  onOpen: (id: number | null) => void;
}): ReactElement {
  const collections = useCollections();
  const list = collections.data?.data ?? [];
  const open = list.find((c) => c.id === openId);
  if (open) return <OpenCollection collection={open} onClose={() => onOpen(null)} />;
  return (
    <div className="collections">
      <CreateCollection />
      {collections.isPending ? (
        <LoadingState />
      ) : collections.isError ? (
        <ErrorState error={collections.error} onRetry={() => void collections.refetch()} />
      ) : list.length === 0 ? (
        <EmptyState title="No collections yet">
          Name one above, then add saved images and LoRAs to it from their “Add to collection…” menu.
        </EmptyState>
      ) : (
        <ul className="collection-list" aria-label="Your collections">
          {list.map((c) => (
            <li key={c.id}>
              <button type="button" className="collection-tile" onClick={() => onOpen(c.id)}>
                <span className="collection-tile__name">{c.name}</span>
                <span className="muted">
                  {c.item_count} {c.item_count === 1 ? 'item' : 'items'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
