/** An image in a grid: placeholder-first picture, why it is shown, and like / save / hide. */

import type { ReactElement, ReactNode } from 'react';
import { Link } from 'react-router';

import { ImageFrame } from '@/components/media/image-frame';
import { Button } from '@/components/ui/button';
import { BookmarkIcon, EyeOffIcon, HeartIcon, SparkIcon } from '@/components/ui/icons';
import { paths } from '@/config/paths';
import { sentence } from '@/lib/text';
import type { Schemas } from '@/lib/api/types';
import { useMe } from '@/lib/auth';
import { altFromPrompt } from '@/lib/civitai-image';

import { itemKey, useItemState } from '../api/item-state';
import { logInteraction, useLike, useNotInterested } from '../api/use-interactions';
import { useSavedIds, useToggleSave } from '../api/use-saved';

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
  const { liked } = useItemState();
  const saved = useSavedIds('image', signedIn).has(image.id);
  const like = useLike();
  const hide = useNotInterested();
  const toggleSave = useToggleSave();
  const ref = { type: 'image', id: image.id } as const;
  const isLiked = liked.has(itemKey('image', image.id));
  const alt = imageAlt(image);

  const onOpen = (): void => {
    if (signedIn) void logInteraction(ref, 'click').catch(() => undefined);
  };

  return (
    <article className="card image-card" data-testid="image-card" data-id={image.id}>
      <ImageFrame
        image={{
          id: image.id,
          url: image.url,
          width: image.width,
          height: image.height,
          blurhash: image.blurhash,
          contentLevel: image.content_level,
        }}
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
            <div className="card__actions" role="group" aria-label="Image actions">
              <Button
                size="small"
                variant="ghost"
                icon
                className="action action--like"
                aria-label={isLiked ? 'Liked' : 'Like'}
                aria-pressed={isLiked}
                title={isLiked ? 'You liked this' : 'Like: show me more like this'}
                onClick={() => !isLiked && like.mutate(ref)}
              >
                <HeartIcon filled={isLiked} />
              </Button>
              <Button
                size="small"
                variant="ghost"
                icon
                className="action action--save"
                aria-label={saved ? 'Saved' : 'Save'}
                aria-pressed={saved}
                title={saved ? 'Remove from favorites' : 'Save to favorites'}
                onClick={() => toggleSave.mutate({ ...ref, save: !saved })}
              >
                <BookmarkIcon filled={saved} />
              </Button>
              <Button
                size="small"
                variant="ghost"
                icon
                className="action action--hide"
                aria-label="Not interested"
                title="Not interested: show me less like this"
                onClick={() => hide.mutate(ref)}
              >
                <EyeOffIcon />
              </Button>
            </div>
          )}
        </div>
      )}
      {extra && <div className="card__extra">{extra}</div>}
    </article>
  );
}
