/** An image in a grid: placeholder-first picture, why it is shown, and like / save / hide. */

import type { ReactElement, ReactNode } from 'react';
import { Link } from 'react-router';

import { frameImage, ImageFrame } from '@/components/media/image-frame';
import { SparkIcon } from '@/components/ui/icons';
import { paths } from '@/config/paths';
import { sentence } from '@/lib/text';
import type { Schemas } from '@/lib/api/types';
import { useMe } from '@/lib/auth';
import { altFromPrompt } from '@/lib/civitai-image';

import { logInteraction } from '../api/use-interactions';

import { CardActions } from './card-actions';

export type CardImage = Pick<
  Schemas['ImageCardPublic'],
  'id' | 'url' | 'width' | 'height' | 'blurhash' | 'content_level'
> & { prompt_excerpt?: string | null };

export function imageAlt(image: CardImage): string {
  return altFromPrompt(image.prompt_excerpt, `Image ${image.id}`);
}

export function ImageCard({
  image,
  reason,
  eager = false,
  extra,
}: {
  image: CardImage;
  /** Controls shown under the card (e.g. "add to collection"). */
  extra?: ReactNode;
  /** Why it is recommended ("Because you liked …"). */
  reason?: string | null;
  eager?: boolean;
}): ReactElement {
  const me = useMe();
  const signedIn = Boolean(me.data);
  const ref = { type: 'image', id: image.id } as const;
  const alt = imageAlt(image);

  const onOpen = (): void => {
    if (signedIn) void logInteraction(ref, 'click').catch(() => undefined);
  };

  return (
    <article className="card image-card" data-testid="image-card" data-id={image.id}>
      <ImageFrame
        image={frameImage(image)}
        alt={alt}
        eager={eager}
        wrap={(picture) => (
          <Link to={paths.image(image.id)} className="card__media-link" onClick={onOpen}>
            {picture}
          </Link>
        )}
      />
      {(reason || signedIn) && (
        <div className="card__footer">
          {reason && (
            <p className="card__reason" data-testid="reason">
              <SparkIcon />
              <span>{sentence(reason)}</span>
            </p>
          )}
          {signedIn && (
            <CardActions type="image" id={image.id} />
          )}
        </div>
      )}
      {extra && <div className="card__extra">{extra}</div>}
    </article>
  );
}
