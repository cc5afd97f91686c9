/** /explore?q= : one input; images and LoRAs side by side; filters and sort; refines as you type. */

import { useCallback, useMemo, type ReactElement } from 'react';
import { useSearchParams } from 'react-router';

import { useFacets } from '@/features/catalog/api/use-facets';
import { SearchBox } from '@/features/search/components/search-box';
import { SearchFilters } from '@/features/search/components/search-filters';
import { FeedImages, FeedLoras } from '@/features/feed/components/feed';
import { ImageResults, LoraResults } from '@/features/search/components/search-results';
import {
  activeFilterCount,
  readSearchState,
  writeSearchState,
  type SearchState,
} from '@/features/search/lib/search-state';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

export function Component(): ReactElement {
  const [params, setParams] = useSearchParams();
  const state = useMemo(() => readSearchState(params), [params]);
  useDocumentTitle(state.q ? `“${state.q}”` : 'Explore');
  const me = useMe();
  const facets = useFacets();
  const maxAllowed = me.data?.preferences.max_content_level ?? 0;

  const update = useCallback(
    (patch: Partial<SearchState>) => {
      setParams((current) => writeSearchState({ ...readSearchState(current), ...patch }), {
        replace: true,
      });
    },
    [setParams],
  );
  const onSearch = useCallback((q: string) => update({ q }), [update]);

  return (
    <div className="page explore">
      <div className="explore__bar">
        <h1 className="visually-hidden">Explore</h1>
        <SearchBox value={state.q} onSearch={onSearch} autoFocus={!state.q} />
        <SearchFilters state={state} onChange={update} facets={facets.data} maxAllowed={maxAllowed} />
      </div>
      <div className="explore__results">
        {state.q || activeFilterCount(state) > 0 ? (
          <>
            <ImageResults state={state} />
            <LoraResults state={state} />
          </>
        ) : (
          // Nothing asked yet: recommendations (popular ones for visitors) until the person types.
          <>
            <FeedImages title={me.data ? 'Picked for you' : 'Popular right now'} />
            <FeedLoras title={me.data ? 'LoRAs for you' : 'Popular LoRAs'} />
          </>
        )}
      </div>
    </div>
  );
}
