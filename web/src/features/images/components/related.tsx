/** Below an image: more like it, and which LoRAs make this look. */

import type { ReactElement } from 'react';

import { EmptyState, ErrorState } from '@/components/ui/states';
import { GridSkeleton, ImageGrid } from '@/features/catalog/components/image-grid';
import { LoraList } from '@/features/catalog/components/lora-list';

import { useLookLoras, useSimilarImages } from '../api/use-similar';

export function MoreLikeThis({ id }: { id: number }): ReactElement {
  const similar = useSimilarImages(id);
  const items = (similar.data?.data ?? []).map((h) => ({ image: h.image }));
  return (
    <section className="results results--images" aria-labelledby="similar-title">
      <div className="results__head">
        <h2 id="similar-title">More like this</h2>
      </div>
      {similar.isPending ? (
        <GridSkeleton count={8} />
      ) : similar.isError ? (
        <ErrorState error={similar.error} onRetry={() => void similar.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="Nothing similar yet">Try searching for words from its prompt.</EmptyState>
      ) : (
        <ImageGrid items={items} label="Images like this one" minColumn={200} />
      )}
    </section>
  );
}

export function LorasForThisLook({ id }: { id: number }): ReactElement {
  const look = useLookLoras(id);
  const items = (look.data?.data ?? []).map((h) => ({ lora: h.lora, reason: h.match.why }));
  return (
    <section className="results results--loras" aria-labelledby="look-title">
      <div className="results__head">
        <h2 id="look-title">LoRAs that make this look</h2>
      </div>
      {look.isPending ? (
        <div className="lora-list" aria-hidden="true">
          {Array.from({ length: 4 }, (_, i) => (
            <div key={i} className="skeleton" style={{ height: 92 }} />
          ))}
        </div>
      ) : look.isError ? (
        <ErrorState error={look.error} onRetry={() => void look.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No LoRA found">No LoRA in the catalog is known to give this look.</EmptyState>
      ) : (
        <LoraList items={items} label="LoRAs that make this look" />
      )}
    </section>
  );
}
