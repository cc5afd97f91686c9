/** Like / Save / Not interested as labelled buttons, for an image or LoRA page. */

import type { ReactElement } from 'react';

import { Button } from '@/components/ui/button';
import { BookmarkIcon, EyeOffIcon, HeartIcon } from '@/components/ui/icons';
import { useMe } from '@/lib/auth';
import type { ItemType } from '@/lib/query-keys';

import { itemKey, useItemState } from '../api/item-state';
import { useLike, useNotInterested } from '../api/use-interactions';
import { useIsSaved, useToggleSave } from '../api/use-saved';

export function ItemActions({
  type,
  id,
  saved: initiallySaved,
  likeable = true,
}: {
  type: ItemType;
  id: number;
  saved: boolean;
  likeable?: boolean;
}): ReactElement | null {
  const me = useMe();
  const signedIn = Boolean(me.data);
  const { liked, hidden } = useItemState();
  const saved = useIsSaved(type, id, initiallySaved, signedIn);
  const like = useLike();
  const hide = useNotInterested();
  const toggleSave = useToggleSave();
  if (!signedIn) return null;
  const ref = { type, id };
  const isLiked = liked.has(itemKey(type, id));
  const isHidden = hidden.has(itemKey(type, id));
  const noun = type === 'image' ? 'image' : 'LoRA';
  return (
    <div className="item-actions" role="group" aria-label={`Actions for this ${noun}`}>
      {likeable && (
        <Button
          className="action action--like"
          aria-pressed={isLiked}
          onClick={() => !isLiked && like.mutate(ref)}
        >
          <HeartIcon filled={isLiked} />
          {isLiked ? 'Liked' : 'Like'}
        </Button>
      )}
      <Button
        className="action action--save"
        variant={saved ? 'secondary' : 'primary'}
        aria-pressed={saved}
        onClick={() => toggleSave.mutate({ ...ref, save: !saved })}
      >
        <BookmarkIcon filled={saved} />
        {saved ? 'Saved' : `Save ${noun}`}
      </Button>
      <Button
        className="action action--hide"
        variant="ghost"
        aria-pressed={isHidden}
        onClick={() => !isHidden && hide.mutate(ref)}
        title="Show me less like this"
      >
        <EyeOffIcon />
        {isHidden ? 'Hidden from your feed' : 'Not interested'}
      </Button>
    </div>
  );
}
