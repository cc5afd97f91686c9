/** /loras/:id : name, creator, versions, trigger words, download, tags, description, images. */

import { useEffect, type ReactElement } from 'react';
import { useParams } from 'react-router';

import { EmptyState, ErrorState, LoadingState } from '@/components/ui/states';
import { logInteraction } from '@/features/catalog/api/use-interactions';
import { GridSkeleton, ImageGrid } from '@/features/catalog/components/image-grid';
import { useLora, useLoraImages } from '@/features/loras/api/use-lora';
import { LoraAbout, LoraHeader, LoraVersions } from '@/features/loras/components/lora-detail';
import { SimilarLoras } from '@/features/loras/components/similar-loras';
import { ApiError } from '@/lib/api/errors';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

function ImagesMadeWith({ id, name }: { id: number; name: string }): ReactElement {
  const images = useLoraImages(id);
  const items = (images.data?.pages ?? []).flatMap((p) => p.data);
  return (
    <section className="section" aria-labelledby="made-with-title">
      <div className="section-head">
        <h2 id="made-with-title">Images made with {name}</h2>
      </div>
      {images.isPending ? (
        <GridSkeleton count={8} />
      ) : images.isError ? (
        <ErrorState error={images.error} onRetry={() => void images.refetch()} />
      ) : items.length === 0 ? (
        <EmptyState title="No images yet">No image in the catalog is known to use this LoRA (at your content level).</EmptyState>
      ) : (
        <ImageGrid
          items={items.map((image) => ({ image }))}
          label={`Images made with ${name}`}
          hasMore={images.hasNextPage}
          loadingMore={images.isFetchingNextPage}
          onLoadMore={() => void images.fetchNextPage()}
        />
      )}
    </section>
  );
}

export function Component(): ReactElement {
  const id = Number(useParams().id);
  const lora = useLora(id);
  const me = useMe();
  const signedIn = Boolean(me.data);
  useDocumentTitle(lora.data?.name ?? 'LoRA');

  useEffect(() => {
    if (signedIn && lora.data) void logInteraction({ type: 'lora', id: lora.data.id }, 'view').catch(() => undefined);
  }, [signedIn, lora.data]);

  if (lora.isPending) return <div className="page"><LoadingState label="Loading the LoRA…" /></div>;
  if (lora.isError) {
    const missing = lora.error instanceof ApiError && lora.error.status === 404;
    return (
      <div className="page page--narrow">
        <ErrorState
          title={missing ? 'LoRA not found' : 'Could not load this LoRA'}
          error={missing ? new Error('It is not in the catalog, or your content settings hide it.') : lora.error}
          onRetry={missing ? undefined : () => void lora.refetch()}
        />
      </div>
    );
  }
  return (
    <div className="page">
      <LoraHeader lora={lora.data} />
      <div className="lora-body">
        <LoraAbout lora={lora.data} />
        <LoraVersions lora={lora.data} />
      </div>
      <SimilarLoras id={lora.data.id} />
      <ImagesMadeWith id={lora.data.id} name={lora.data.name} />
    </div>
  );
}
