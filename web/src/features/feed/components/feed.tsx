/** The feed: an endless image masonry and a column of LoRA suggestions, each with its reason. */

import type { ReactElement } from 'react';

import { ButtonLink } from '@/components/ui/button';
import { EmptyState, ErrorState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { GridSkeleton, ImageGrid } from '@/features/catalog/components/image-grid';
import { LoraList } from '@/features/catalog/components/lora-list';

import { useFeedImages, useFeedLoras } from '../api/use-feed';

export function FeedImages({
  title = 'Images for you',
  limit,
  endless = true,
}: {
  title?: string;
  limit?: number;
  endless?: boolean;
}): ReactElement {
  const feed = useFeedImages(limit);
  return (
    <section className="results results--images" aria-labelledby="feed-images-title" aria-busy={feed.isFetching}>
      <div className="results__head">
        <h2 id="feed-images-title">{title}</h2>
      </div>
      {feed.isPending ? (
        <GridSkeleton />
      ) : feed.isError && feed.items.length === 0 ? (
        <ErrorState error={feed.error} title="The feed could not load" onRetry={() => void feed.refetch()} />
      ) : feed.items.length === 0 ? (
        <EmptyState
          title="Nothing to show yet"
          action={
            <ButtonLink to={paths.explore} variant="primary">
              Explore
            </ButtonLink>
          }
        >
          Search for something you like and save a few images: your feed starts from them.
        </EmptyState>
      ) : (
        <ImageGrid
          items={feed.items.map((i) => ({ image: i.image, reason: i.reason.text }))}
          label={title}
          hasMore={endless && feed.hasNextPage}
          loadingMore={feed.isFetchingNextPage}
          onLoadMore={() => void feed.fetchNextPage()}
        />
      )}
    </section>
  );
}

export function FeedLoras({ title = 'LoRAs for you', limit }: { title?: string; limit?: number }): ReactElement {
  const feed = useFeedLoras(limit);
  return (
    <section className="results results--loras" aria-labelledby="feed-loras-title" aria-busy={feed.isFetching}>
      <div className="results__head">
        <h2 id="feed-loras-title">{title}</h2>
      </div>
      {feed.isPending ? (
        <div className="lora-list" aria-hidden="true">
          {Array.from({ length: 4 }, (_, i) => (
            <div key={i} className="skeleton" style={{ height: 92 }} />
          ))}
        </div>
      ) : feed.isError ? (
        <ErrorState error={feed.error} onRetry={() => void feed.refetch()} />
      ) : feed.items.length === 0 ? (
        <EmptyState title="No suggestions yet">Save a LoRA or two and suggestions follow.</EmptyState>
      ) : (
        <LoraList items={feed.items.map((i) => ({ lora: i.lora, reason: i.reason.text }))} label={title} />
      )}
    </section>
  );
}
