/** Paints a BlurHash onto a small canvas, stretched by CSS over its frame. */

import { useEffect, useRef, type ReactElement } from 'react';

import { BLURHASH_SIZE, blurhashAverage, blurhashPixels } from '@/lib/blurhash';

export function BlurhashCanvas({ hash }: { hash: string | null | undefined }): ReactElement {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    if (!canvas || !hash) return;
    const pixels = blurhashPixels(hash);
    const context = canvas.getContext?.('2d');
    if (!pixels || !context) return;
    const image = context.createImageData(BLURHASH_SIZE, BLURHASH_SIZE);
    image.data.set(pixels);
    context.putImageData(image, 0, 0);
  }, [hash]);
  return (
    <canvas
      ref={ref}
      className="blurhash"
      width={BLURHASH_SIZE}
      height={BLURHASH_SIZE}
      data-blurhash={hash ?? undefined}
      style={{ backgroundColor: blurhashAverage(hash) }}
      aria-hidden="true"
    />
  );
}
