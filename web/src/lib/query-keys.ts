/**
 * Query-key roots shared across features, so one feature can refresh another's data (a like
 * refreshes the feed) without importing it. Each feature builds its full keys from these.
 */

export const keys = {
  me: ['me'] as const,
  feedImages: ['recommendations', 'images'] as const,
  feedLoras: ['recommendations', 'loras'] as const,
  recommendations: ['recommendations'] as const,
  search: ['search'] as const,
  image: (id: number) => ['image', id] as const,
  lora: (id: number) => ['lora', id] as const,
  similar: ['similar'] as const,
  favorites: ['favorites'] as const,
  savedIds: (type: ItemType) => ['saved-ids', type] as const,
  itemState: ['item-state'] as const,
  collections: ['collections'] as const,
  onboarding: ['onboarding'] as const,
  popular: ['popular'] as const,
};

export type ItemType = 'image' | 'lora';

/** Keys whose lists change when the person's taste signals change. */
export const tasteDependent = [keys.recommendations] as const;
