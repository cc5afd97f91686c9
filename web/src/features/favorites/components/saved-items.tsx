/** Saved images or LoRAs, searchable and sortable within, each addable to a collection. */

import { useEffect, useId, useMemo, useState, type ReactElement } from 'react';

import { ButtonLink } from '@/components/ui/button';
import { SearchIcon } from '@/components/ui/icons';
import { EmptyState, ErrorState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { GridSkeleton, ImageGrid } from '@/features/catalog/components/image-grid';
import { LoraList } from '@/features/catalog/components/lora-list';

import { useFavorites, type Favorite, type FavoriteKind } from '../api/use-favorites';
import { AddToCollection } from './add-to-collection';

type Sort = 'newest' | 'oldest' | 'name';

function text(f: Favorite): string {
  return (f.image?.prompt_excerpt ?? `${f.lora?.name ?? ''} ${f.lora?.creator ?? ''}`).toLowerCase();
}

function sortItems(items: Favorite[], sort: Sort): Favorite[] {
  const sorted = [...items];
  if (sort === 'oldest') sorted.reverse();
  if (sort === 'name') sorted.sort((a, b) => text(a).localeCompare(text(b)));
  return sorted;
}

export function SavedItems({ kind }: { kind: FavoriteKind }): ReactElement {
  const favorites = useFavorites(kind);
  const [term, setTerm] = useState('');
  const [sort, setSort] = useState<Sort>('newest');
  const searchId = useId();
  const sortId = useId();
  const noun = kind === 'images' ? 'images' : 'LoRAs';
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = favorites;

  // Searching or sorting looks at everything saved, so fetch the remaining pages first.
  const needAll = term.trim() !== '' || sort !== 'newest';
  useEffect(() => {
    if (needAll && hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [needAll, hasNextPage, isFetchingNextPage, fetchNextPage]);

  const shown = useMemo(() => {
    const needle = term.trim().toLowerCase();
    const matching = needle ? favorites.items.filter((f) => text(f).includes(needle)) : favorites.items;
    return sortItems(matching, sort);
  }, [favorites.items, term, sort]);

  if (favorites.isPending) return <GridSkeleton count={8} />;
  if (favorites.isError) return <ErrorState error={favorites.error} onRetry={() => void favorites.refetch()} />;
  if (favorites.count === 0) {
    return (
      <EmptyState
        title={`No saved ${noun} yet`}
        action={
          <ButtonLink to={paths.explore} variant="primary">
            Explore {noun}
          </ButtonLink>
        }
      >
        Press the bookmark on any {kind === 'images' ? 'image' : 'LoRA'} to keep it here.
      </EmptyState>
    );
  }

  return (
    <div className="saved">
      <div className="saved__toolbar">
        <div className="search-box search-box--small">
          <SearchIcon />
          <label htmlFor={searchId} className="visually-hidden">
            Search your saved {noun}
          </label>
          <input
            id={searchId}
            className="input"
            type="search"
            placeholder={`Search ${favorites.count} saved ${noun}`}
            value={term}
            onChange={(e) => setTerm(e.target.value)}
          />
        </div>
        <div className="saved__sort">
          <label htmlFor={sortId} className="filter__label">
            Sort
          </label>
          <select id={sortId} className="select" value={sort} onChange={(e) => setSort(e.target.value as Sort)}>
            <option value="newest">Newest saved</option>
            <option value="oldest">Oldest saved</option>
            <option value="name">{kind === 'images' ? 'Prompt A–Z' : 'Name A–Z'}</option>
          </select>
        </div>
      </div>
      {shown.length === 0 ? (
        <EmptyState title={`Nothing saved matches “${term}”`}>Try a shorter word.</EmptyState>
      ) : kind === 'images' ? (
        <ImageGrid
          items={shown.flatMap((f) => (f.image ? [{ image: f.image }] : []))}
          label="Saved images"
          hasMore={!needAll && hasNextPage}
          loadingMore={isFetchingNextPage}
          onLoadMore={() => void fetchNextPage()}
          renderExtra={(item) => <AddToCollection type="image" id={item.image.id} label={`image ${item.image.id}`} />}
        />
      ) : (
        <LoraList
          layout="tile"
          items={shown.flatMap((f) => (f.lora ? [{ lora: f.lora }] : []))}
          label="Saved LoRAs"
          renderFooter={(item) => <AddToCollection type="lora" id={item.lora.id} label={item.lora.name} />}
        />
      )}
    </div>
  );
}
