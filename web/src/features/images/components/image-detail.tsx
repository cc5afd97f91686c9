/** The image page's body: the picture, who made it, actions, generation info, LoRAs used. */

import type { ReactElement } from 'react';

import { frameImage, ImageFrame } from '@/components/media/image-frame';
import { ExternalIcon } from '@/components/ui/icons';
import { contentLevelLabel } from '@/config/content-levels';
import { ItemActions } from '@/features/catalog/components/item-actions';
import { altFromPrompt } from '@/lib/civitai-image';

import type { ImageDetail as Detail } from '../api/use-image';
import { GenerationInfo } from './generation-info';
import { LorasUsed } from './loras-used';

export function ImageDetail({ image }: { image: Detail }): ReactElement {
  const alt = altFromPrompt(image.prompt, `Image ${image.id}`);
  return (
    <article className="detail image-detail">
      <div className="detail__media">
        <ImageFrame
          image={frameImage(image)}
          alt={alt}
          cdnWidth={1200}
          eager
        />
      </div>
      <div className="detail__info">
        <header className="detail__head">
          <h1 className="detail__title">{image.username ? `Image by ${image.username}` : `Image ${image.id}`}</h1>
          <div className="chips">
            {image.base_model && <span className="chip">{image.base_model}</span>}
            <span className="chip">Content: {contentLevelLabel(image.content_level)}</span>
            {image.width && image.height && (
              <span className="chip">
                {image.width}×{image.height}
              </span>
            )}
            {image.like_count > 0 && <span className="chip">{image.like_count.toLocaleString()} likes on Civitai</span>}
          </div>
          <ItemActions type="image" id={image.id} saved={image.saved} />
        </header>
        <GenerationInfo image={image} />
        <LorasUsed loras={image.loras} others={image.other_resources} />
        <p>
          <a href={image.civitai_url} target="_blank" rel="noreferrer noopener" className="external">
            View on Civitai <ExternalIcon width={14} height={14} />
          </a>
        </p>
      </div>
    </article>
  );
}
