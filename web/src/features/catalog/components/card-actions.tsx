/** The icon buttons on a card in a grid or list: like (images), save, not interested. */

import type { ReactElement } from 'react';

import { Button } from '@/components/ui/button';
import { BookmarkIcon, EyeOffIcon, HeartIcon } from '@/components/ui/icons';
import type { ItemType } from '@/lib/query-keys';

import { itemKey, useItemState } from '../api/item-state';
import { useLike, useNotInterested } from '../api/use-interactions';
import { useSavedIds, useToggleSave } from '../api/use-saved';

/** Rendered only for a signed-in person (the card decides), so the saved set is always asked. */
export function CardActions({
  type,
  id,
  className = 'card__actions',
}: {
  type: ItemType;
  id: number;
  className?: string;
}): ReactElement {
  const { liked } = useItemState();
  const saved = useSavedIds(type, true).has(id);
  const like = useLike();
  const hide = useNotInterested();
  const toggleSave = useToggleSave();
  const ref = { type, id };
  const isLiked = liked.has(itemKey(type, id));
  const noun = type === 'image' ? 'Image' : 'LoRA';
  return (
    <div className={className} role="group" aria-label={`${noun} actions`}>
      {type === 'image' && (
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
      )}
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
  );
}
