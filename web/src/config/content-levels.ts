/** Civitai content levels as Atelier counts them: 0 None (PG) .. 3 X. */

export const CONTENT_LEVELS = [
  { value: 0, label: 'None', description: 'PG: safe for everyone' },
  { value: 1, label: 'Soft', description: 'suggestive; blurred until you click' },
  { value: 2, label: 'Mature', description: 'nudity and mature themes' },
  { value: 3, label: 'X', description: 'explicit' },
] as const;

export type ContentLevel = (typeof CONTENT_LEVELS)[number]['value'];

export const MAX_CONTENT_LEVEL: ContentLevel = 3;

export function contentLevelLabel(level: number): string {
  return CONTENT_LEVELS.find((l) => l.value === level)?.label ?? `Level ${level}`;
}

/** Anything above PG is blurred until the person asks to see it. */
export function isGated(level: number | null | undefined): boolean {
  return (level ?? 0) >= 1;
}
