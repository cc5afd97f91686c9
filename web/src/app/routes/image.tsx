/** /images/:id : the image, its prompt and settings, the LoRAs used, and more of the same. */

import { useEffect, type ReactElement } from 'react';
import { useParams } from 'react-router';

import { ErrorState, LoadingState } from '@/components/ui/states';
import { logInteraction } from '@/features/catalog/api/use-interactions';
import { useImage } from '@/features/images/api/use-image';
import { ImageDetail } from '@/features/images/components/image-detail';
import { LorasForThisLook, MoreLikeThis } from '@/features/images/components/related';
import { ApiError } from '@/lib/api/errors';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

export function Component(): ReactElement {
  const id = Number(useParams().id);
  const image = useImage(id);
  const me = useMe();
  const signedIn = Boolean(me.data);
  useDocumentTitle(image.data ? `Image ${image.data.id}` : 'Image');

  useEffect(() => {
    if (signedIn && image.data) void logInteraction({ type: 'image', id: image.data.id }, 'view').catch(() => undefined);
  }, [signedIn, image.data]);

  if (image.isPending) return <div className="page"><LoadingState label="Loading the image…" /></div>;
  if (image.isError) {
    const missing = image.error instanceof ApiError && image.error.status === 404;
    return (
      <div className="page page--narrow">
        <ErrorState
          title={missing ? 'Image not found' : 'Could not load this image'}
          error={missing ? new Error('It is not in the catalog, or your content settings hide it.') : image.error}
          onRetry={missing ? undefined : () => void image.refetch()}
        />
      </div>
    );
  }
  return (
    <div className="page">
      <ImageDetail image={image.data} />
      <div className="explore__results section">
        <MoreLikeThis id={image.data.id} />
        <LorasForThisLook id={image.data.id} />
      </div>
    </div>
  );
}
