/**
 * An image at its own aspect ratio: the BlurHash placeholder first, the CDN image over it once
 * it loads (it stays the placeholder when the CDN cannot be reached), and a blur over content
 * above PG until the person clicks to see it.
 */

import { useState, type CSSProperties, type ReactElement, type ReactNode } from 'react';

import { contentLevelLabel, isGated } from '@/config/content-levels';
import { sizedImageUrl } from '@/lib/civitai-image';

import { BlurhashCanvas } from './blurhash-canvas';
import { useRevealed } from './reveal-store';

export interface FrameImage {
  id: number;
  url: string | null | undefined;
  width: number | null | undefined;
  height: number | null | undefined;
  blurhash: string | null | undefined;
  contentLevel: number | null | undefined;
}

/** An API image (card, preview or detail; snake_case) as the frame wants it. */
export function frameImage(image: {
  id: number;
  url?: string | null;
  width?: number | null;
  height?: number | null;
  blurhash?: string | null;
  content_level?: number | null;
}): FrameImage {
  return {
    id: image.id,
    url: image.url,
    width: image.width,
    height: image.height,
    blurhash: image.blurhash,
    contentLevel: image.content_level,
  };
}

export function aspectOf(width: number | null | undefined, height: number | null | undefined): number {
  // height / width; a square when the catalogue does not know the size.
  if (!width || !height || width <= 0 || height <= 0) return 1;
  return Math.min(Math.max(height / width, 0.3), 3);
}

export function ImageFrame({
  image,
  alt,
  cdnWidth = 450,
  eager = false,
  children,
  wrap,
  crop,
}: {
  image: FrameImage;
  alt: string;
  /** Width asked of Civitai's CDN. */
  cdnWidth?: number;
  eager?: boolean;
  /** Overlays (badges) drawn over the image. */
  children?: ReactNode;
  /** Wraps the revealed image, e.g. in a link; not applied while the blur gate is up. */
  wrap?: (content: ReactNode) => ReactNode;
  /** A fixed height/width ratio (the image is cropped to fill it); default: the image's own. */
  crop?: number;
}): ReactElement {
  const [status, setStatus] = useState<'loading' | 'loaded' | 'failed'>('loading');
  const gated = isGated(image.contentLevel);
  const [revealed, reveal] = useRevealed(`image:${image.id}`);
  const hidden = gated && !revealed;
  const ratio = crop ?? aspectOf(image.width, image.height);

  const picture = (
    <span className="frame__picture">
      <BlurhashCanvas hash={image.blurhash} />
      {image.url && status !== 'failed' ? (
        <img
          className="frame__img"
          src={sizedImageUrl(image.url, cdnWidth)}
          alt={alt}
          width={image.width ?? undefined}
          height={image.height ?? undefined}
          loading={eager ? 'eager' : 'lazy'}
          decoding="async"
          data-state={status}
          onLoad={() => setStatus('loaded')}
          onError={() => setStatus('failed')}
        />
      ) : (
        // The placeholder stands in for the picture, so it carries the alt text (if any).
        <span className="frame__fallback" {...(alt ? { role: 'img', 'aria-label': alt } : { 'aria-hidden': true })} />
      )}
    </span>
  );

  return (
    <div
      className={`frame${hidden ? ' frame--gated' : ''}${crop ? ' frame--crop' : ''}`}
      style={{ aspectRatio: `1 / ${ratio}`, '--ratio': ratio } as CSSProperties}
      data-status={status}
      data-content-level={image.contentLevel ?? 0}
    >
      {hidden ? (
        <>
          {picture}
          <button type="button" className="frame__gate" onClick={reveal}>
            <span className="frame__gate-level">{contentLevelLabel(image.contentLevel ?? 1)}</span>
            <span>Click to show</span>
          </button>
        </>
      ) : wrap ? (
        wrap(picture)
      ) : (
        picture
      )}
      {children}
    </div>
  );
}
