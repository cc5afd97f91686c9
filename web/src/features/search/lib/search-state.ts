/** The explore page's query and filters, kept in the URL so every search can be linked to. */

export type Sort = 'relevance' | 'newest' | 'popular';

export interface SearchState {
  q: string;
  baseModel: string;
  modelType: string;
  /** null: up to the person's own maximum. */
  maxLevel: number | null;
  excludeTags: string[];
  sort: Sort;
}

export const DEFAULT_STATE: SearchState = {
  q: '',
  baseModel: '',
  modelType: '',
  maxLevel: null,
  excludeTags: [],
  sort: 'relevance',
};

const SORTS: readonly Sort[] = ['relevance', 'newest', 'popular'];

export function readSearchState(params: URLSearchParams): SearchState {
  const level = params.get('max_level');
  const sort = params.get('sort') as Sort | null;
  return {
    q: params.get('q') ?? '',
    baseModel: params.get('base_model') ?? '',
    modelType: params.get('model_type') ?? '',
    maxLevel: level !== null && /^[0-3]$/.test(level) ? Number(level) : null,
    excludeTags: (params.get('exclude_tags') ?? '')
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
    sort: sort && SORTS.includes(sort) ? sort : 'relevance',
  };
}

export function writeSearchState(state: SearchState): URLSearchParams {
  const params = new URLSearchParams();
  if (state.q) params.set('q', state.q);
  if (state.baseModel) params.set('base_model', state.baseModel);
  if (state.modelType) params.set('model_type', state.modelType);
  if (state.maxLevel !== null) params.set('max_level', String(state.maxLevel));
  if (state.excludeTags.length) params.set('exclude_tags', state.excludeTags.join(','));
  if (state.sort !== 'relevance') params.set('sort', state.sort);
  return params;
}

export function activeFilterCount(state: SearchState): number {
  return (
    (state.baseModel ? 1 : 0) +
    (state.modelType ? 1 : 0) +
    (state.maxLevel !== null ? 1 : 0) +
    state.excludeTags.length
  );
}
