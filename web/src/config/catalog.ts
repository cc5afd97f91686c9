/** Vocabulary the filters and onboarding offer before the person types anything. */

export const BASE_MODELS = [
  'SD 1.5',
  'SD 2.1',
  'SDXL 1.0',
  'SDXL 0.9',
  'SD 2.0',
  'Pony',
  'Flux.1 D',
  'Other',
] as const;

export const LORA_TYPES = ['LORA', 'LoCon', 'DoRA'] as const;

export const SORTS = [
  { value: 'relevance', label: 'Best match' },
  { value: 'popular', label: 'Most popular' },
  { value: 'newest', label: 'Newest' },
] as const;

export const STARTER_STYLES = [
  'anime',
  'photorealistic',
  'watercolor',
  'fantasy',
  'sci-fi',
  'landscape',
  'portrait',
  'architecture',
  'cyberpunk',
  'oil painting',
  'pixel art',
  'concept art',
  'cute',
  'horror',
  'character',
  'style',
  'clothing',
  'background',
] as const;
