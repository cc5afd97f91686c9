/** The two result columns: images (masonry, endless) and LoRAs (a list with "more"). */

import type { ReactElement } from 'react';

import { Button } from '@/components/ui/button';
import { EmptyState, ErrorState } from '@/components/ui/states';
import { GridSkeleton, ImageGrid } from '@/features/catalog/components/image-grid';
import { LoraList } from '@/features/catalog/components/lora-list';

import { useImageSearch, useLoraSearch } from '../api/use-search';
import { activeFilterCount, type SearchState } from '../lib/search-state';

function Count({ n, loading }: { n: number; loading: boolean }): ReactElement | null {
  if (loading) return null;
  return <span className="count">{n >= 1000 ? '1000+' : n.toLocaleString()}</span>;
}

function emptyAdvice(state: SearchState): string {
  if (activeFilterCount(state) > 0) return 'Try clearing a filter or two.';
  if (state.q.split(' ').length > 3) return 'Try fewer or different words.';
  return 'Try another description, like "watercolor landscape".';
}

export function ImageResults({ state }: { state: SearchState }): ReactElement {
  const search = useImageSearch(state);
  const title = state.q ? 'Images' : 'Popular images';
  return (
    <section className="results results--images" aria-labelledby="image-results-title" aria-busy={search.isFetching}>
      <div className="results__head">
        <h2 id="image-results-title">
          {title} <Count n={search.total} loading={search.isPending} />
        </h2>
        {!search.semantic && state.q && (
          <p className="muted results__note">Matching words only while the meaning index builds.</p>
        )}
      </div>
      {search.isPending ? (
        <GridSkeleton />
      ) : search.isError && search.hits.length === 0 ? (
        <ErrorState error={search.error} title="Search failed" onRetry={() => void search.refetch()} />
      ) : search.hits.length === 0 ? (
        <EmptyState title={`No images match “${state.q}”`}>{emptyAdvice(state)}</EmptyState>
      ) : (
        <div className={search.isPlaceholderData ? 'results__stale' : undefined}>
          <ImageGrid
            items={search.hits.map((h) => ({ image: h.image }))}
            label={state.q ? `Images matching ${state.q}` : 'Popular images'}
            hasMore={search.hasNextPage}
            loadingMore={search.isFetchingNextPage}
            onLoadMore={() => void search.fetchNextPage()}
          />
        </div>
      )}
    </section>
  );
}

export function LoraResults({ state }: { state: SearchState }): ReactElement {
  const search = useLoraSearch(state);
  const title = state.q ? 'LoRAs' : 'Popular LoRAs';
  return (
    <section className="results results--loras" aria-labelledby="lora-results-title" aria-busy={search.isFetching}>
      <div className="results__head">
        <h2 id="lora-results-title">
          {title} <Count n={search.total} loading={search.isPending} />
        </h2>
      </div>
      {search.isPending ? (
        <div className="lora-list" aria-hidden="true">
          {Array.from({ length: 5 }, (_, i) => (
            <div key={i} className="skeleton" style={{ height: 92 }} />
          ))}
        </div>
      ) : search.isError && search.hits.length === 0 ? (
        <ErrorState error={search.error} title="LoRA search failed" onRetry={() => void search.refetch()} />
      ) : search.hits.length === 0 ? (
        <EmptyState title="No LoRAs match">{emptyAdvice(state)}</EmptyState>
      ) : (
        <div className={search.isPlaceholderData ? 'results__stale' : undefined}>
          <LoraList
            items={search.hits.map((h) => ({
              lora: h.lora,
              reason: state.q ? h.match.why : null,
            }))}
            label={state.q ? `LoRAs matching ${state.q}` : 'Popular LoRAs'}
          />
          {search.hasNextPage && (
            <div className="load-more">
              <Button onClick={() => void search.fetchNextPage()} disabled={search.isFetchingNextPage}>
                {search.isFetchingNextPage ? 'Loading…' : 'More LoRAs'}
              </Button>
            </div>
          )}
        </div>
      )}
    </section>
  );
}
