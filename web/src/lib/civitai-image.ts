/** Civitai CDN URLs: ask the CDN for a width that fits where the image is shown. */

const WIDTH_SEGMENT = /\/width=\d+\//;

export function sizedImageUrl(url: string, width: number): string {
  if (WIDTH_SEGMENT.test(url)) {
    return url.replace(WIDTH_SEGMENT, `/width=${width}/`);
  }
  return url;
}

/** Alt text from the prompt: the first clause or two, without LoRA tags and weights. */
export function altFromPrompt(prompt: string | null | undefined, fallback: string): string {
  if (!prompt) {
    return fallback;
  }
  const cleaned = prompt
    .replace(/<[^>]*>/g, ' ')
    .replace(/[()[\]{}]/g, ' ')
    .replace(/:\s*\d+(\.\d+)?/g, ' ')
    .replace(/\s+/g, ' ')
    .replace(/\s+,/g, ',')
    .replace(/^[\s,]+|[\s,]+$/g, '')
    .trim();
  if (!cleaned) {
    return fallback;
  }
  return cleaned.length > 140 ? `${cleaned.slice(0, 137).replace(/[\s,]+\S*$/, '')}…` : cleaned;
}
