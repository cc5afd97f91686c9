/** A masonry of image cards that loads more as the person nears the end (or presses a button). */

import type { ReactElement, ReactNode } from 'react';

import { MasonryGrid } from '@/components/media/masonry-grid';
import { aspectOf } from '@/components/media/image-frame';
import { Button } from '@/components/ui/button';
import { Spinner } from '@/components/ui/spinner';
import { useInView } from '@/lib/use-in-view';

import { itemKey, useWithoutHidden } from '../api/item-state';
import { ImageCard, type CardImage } from './image-card';

export interface GridItem {
  image: CardImage;
  reason?: string | null;
}

export function ImageGrid({
  items,
  label,
  hasMore = false,
  loadingMore = false,
  onLoadMore,
  minColumn,
  renderExtra,
}: {
  items: readonly GridItem[];
  renderExtra?: (item: GridItem) => ReactNode;
  label: string;
  hasMore?: boolean;
  loadingMore?: boolean;
  onLoadMore?: () => void;
  minColumn?: number;
}): ReactElement {
  const visible = useWithoutHidden(items, (i) => itemKey('image', i.image.id));
  const sentinel = useInView<HTMLDivElement>(() => onLoadMore?.(), {
    enabled: hasMore && !loadingMore && Boolean(onLoadMore),
  });
  return (
    <>
      <MasonryGrid
        items={visible}
        itemKey={(i) => i.image.id}
        aspect={(i) => aspectOf(i.image.width, i.image.height)}
        footer={(items.some((i) => i.reason) ? 64 : 40) + (renderExtra ? 44 : 0)}
        label={label}
        minColumn={minColumn}
        renderItem={(item, index) => (
          <ImageCard
            image={item.image}
            reason={item.reason}
            eager={index < 8}
            extra={renderExtra?.(item)}
          />
        )}
      />
      {hasMore && onLoadMore && (
        <div className="load-more" ref={sentinel}>
          {loadingMore ? (
            <Spinner label="Loading more images" />
          ) : (
            <Button onClick={onLoadMore}>Show more</Button>
          )}
        </div>
      )}
    </>
  );
}

export function GridSkeleton({ count = 12 }: { count?: number }): ReactElement {
  const ratios = [1.4, 1, 1.25, 0.75, 1.5, 1.1, 0.8, 1.3];
  return (
    <div className="skeleton-grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        <div key={i} className="skeleton" style={{ aspectRatio: `1 / ${ratios[i % ratios.length] ?? 1}` }} />
      ))}
    </div>
  );
}
