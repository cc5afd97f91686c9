/** BlurHash decoding for image placeholders, cached so a grid decodes each hash once. */

import { decode, isBlurhashValid } from 'blurhash';

const PIXELS = 32;
const cache = new Map<string, Uint8ClampedArray>();
const averages = new Map<string, string>();

export function blurhashPixels(hash: string): Uint8ClampedArray | null {
  const hit = cache.get(hash);
  if (hit) return hit;
  if (!isBlurhashValid(hash).result) return null;
  const pixels = decode(hash, PIXELS, PIXELS);
  if (cache.size > 800) cache.clear();
  cache.set(hash, pixels);
  return pixels;
}

/** The hash's average colour as CSS, painted behind the canvas (and when canvas is missing). */
export function blurhashAverage(hash: string | null | undefined): string | undefined {
  if (!hash) return undefined;
  const hit = averages.get(hash);
  if (hit) return hit;
  if (!isBlurhashValid(hash).result) return undefined;
  const [r = 0, g = 0, b = 0] = decode(hash, 1, 1);
  const colour = `rgb(${r}, ${g}, ${b})`;
  averages.set(hash, colour);
  return colour;
}

export const BLURHASH_SIZE = PIXELS;
