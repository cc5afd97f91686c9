/** A LoRA in a list or grid: preview, name, creator, base model, and save / hide. */

import type { ReactElement, ReactNode } from 'react';
import { Link } from 'react-router';

import { frameImage, ImageFrame } from '@/components/media/image-frame';
import { LayersIcon, SparkIcon } from '@/components/ui/icons';
import { paths } from '@/config/paths';
import { sentence } from '@/lib/text';
import type { Schemas } from '@/lib/api/types';
import { useMe } from '@/lib/auth';

import { logInteraction } from '../api/use-interactions';

import { CardActions } from './card-actions';

export type CardLora = Pick<Schemas['LoraCardPublic'], 'id' | 'name' | 'creator' | 'base_model'> & {
  preview?: Schemas['LoraCardPublic']['preview'];
  type?: string | null;
};

export function LoraCard({
  lora,
  reason,
  layout = 'row',
  extra,
  footer,
}: {
  lora: CardLora;
  /** Controls shown under the card (e.g. "add to collection"). */
  footer?: ReactNode;
  reason?: string | null;
  layout?: 'row' | 'tile';
  /** A line under the name (e.g. the weight it was used at). */
  extra?: string | null;
}): ReactElement {
  const me = useMe();
  const signedIn = Boolean(me.data);
  const ref = { type: 'lora', id: lora.id } as const;
  const href = paths.lora(lora.id);
  const onOpen = (): void => {
    if (signedIn) void logInteraction(ref, 'click').catch(() => undefined);
  };

  return (
    <article className={`card lora-card lora-card--${layout}`} data-testid="lora-card" data-id={lora.id}>
      <div className="lora-card__thumb">
        {lora.preview ? (
          <ImageFrame
            image={frameImage(lora.preview)}
            alt=""
            crop={layout === 'row' ? 1 : 0.75}
            wrap={(picture) => (
              <Link to={href} tabIndex={-1} aria-hidden="true" className="card__media-link" onClick={onOpen}>
                {picture}
              </Link>
            )}
          />
        ) : (
          <div className="lora-card__monogram" aria-hidden="true">
            <LayersIcon />
          </div>
        )}
      </div>
      <div className="lora-card__body">
        <h3 className="lora-card__name">
          <Link to={href} onClick={onOpen}>
            {lora.name}
          </Link>
        </h3>
        <p className="lora-card__meta">
          {lora.creator ? <>by {lora.creator}</> : 'Unknown creator'}
        </p>
        <div className="lora-card__chips">
          {lora.base_model && <span className="chip">{lora.base_model}</span>}
          {lora.type && lora.type !== 'LORA' && <span className="chip">{lora.type}</span>}
          {extra && <span className="chip chip--violet">{extra}</span>}
        </div>
        {reason && (
          <p className="card__reason" data-testid="reason">
            <SparkIcon />
            <span>{sentence(reason)}</span>
          </p>
        )}
      </div>
      {signedIn && (
        <CardActions type="lora" id={lora.id} className="card__actions lora-card__actions" />
      )}
      {footer && <div className="card__extra lora-card__footer">{footer}</div>}
    </article>
  );
}
