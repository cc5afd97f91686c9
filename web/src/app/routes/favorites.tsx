/** /favorites : saved images and LoRAs, and collections. */

import type { KeyboardEvent, ReactElement } from 'react';
import { useSearchParams } from 'react-router';

import { CollectionsPanel } from '@/features/favorites/components/collections-panel';
import { SavedItems } from '@/features/favorites/components/saved-items';
import { useMe } from '@/lib/auth';
import { useDocumentTitle } from '@/lib/use-document-title';

const TABS = [
  { id: 'images', label: 'Images' },
  { id: 'loras', label: 'LoRAs' },
  { id: 'collections', label: 'Collections' },
] as const;
type Tab = (typeof TABS)[number]['id'];

export function Component(): ReactElement {
  useDocumentTitle('Favorites');
  const me = useMe();
  const [params, setParams] = useSearchParams();
  const tab: Tab = TABS.find((t) => t.id === params.get('tab'))?.id ?? 'images';
  const openId = Number(params.get('c')) || null;
  const counts: Partial<Record<Tab, number>> = {
    images: me.data?.saved_images,
    loras: me.data?.saved_loras,
  };
  const go = (next: Tab, c: number | null = null): void => {
    const p = new URLSearchParams();
    if (next !== 'images') p.set('tab', next);
    if (c !== null) p.set('c', String(c));
    setParams(p);
  };
  // Arrow keys move between tabs (roving focus), as in every tab strip.
  const onTabKey = (event: KeyboardEvent<HTMLDivElement>): void => {
    const index = TABS.findIndex((t) => t.id === tab);
    const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: TABS.length - 1 };
    const target = moves[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const next = TABS[(target + TABS.length) % TABS.length];
    if (!next) return;
    go(next.id);
    document.getElementById(`tab-${next.id}`)?.focus();
  };
  return (
    <div className="page">
      <div className="page-head">
        <div>
          <h1>Favorites</h1>
          <p>What you saved, and the collections you keep it in.</p>
        </div>
      </div>
      <div className="tabs" role="tablist" aria-label="Favorites" onKeyDown={onTabKey}>
        {TABS.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            id={`tab-${t.id}`}
            aria-selected={tab === t.id}
            aria-controls={`panel-${t.id}`}
            tabIndex={tab === t.id ? 0 : -1}
            className="tabs__tab"
            onClick={() => go(t.id)}
          >
            {t.label}
            {counts[t.id] !== undefined && <span className="count">{counts[t.id]}</span>}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tabs__panel">
        {tab === 'collections' ? (
          <CollectionsPanel openId={openId} onOpen={(id) => go('collections', id)} />
        ) : (
          <SavedItems key={tab} kind={tab} />
        )}
      </div>
    </div>
  );
}
