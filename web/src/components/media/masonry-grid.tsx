/**
 * A masonry grid that keeps reading order: a CSS grid of small rows where each item spans as
 * many rows as its measured height, so Tab moves left to right, top to bottom.
 */

import {
  useCallback,
  useLayoutEffect,
  useRef,
  useState,
  type CSSProperties,
  type ReactElement,
  type ReactNode,
} from 'react';

const ROW = 4;

export interface MasonryProps<T> {
  items: readonly T[];
  itemKey: (item: T) => string | number;
  /** height / width of the item's media, for the first layout before measuring. */
  aspect: (item: T) => number;
  renderItem: (item: T, index: number) => ReactNode;
  /** Columns never get narrower than this. */
  minColumn?: number;
  gap?: number;
  /** Rough height of what sits under the media (caption, buttons). */
  footer?: number;
  label?: string;
}

export function MasonryGrid<T>({
  items,
  itemKey,
  aspect,
  renderItem,
  minColumn = 230,
  gap: gapProp = 16,
  footer = 76,
  label,
}: MasonryProps<T>): ReactElement {
  const grid = useRef<HTMLUListElement>(null);
  const [layout, setLayout] = useState({ columns: 3, gap: gapProp, column: minColumn });
  const [heights, setHeights] = useState<Record<string, number>>({});
  const observer = useRef<ResizeObserver | null>(null);

  useLayoutEffect(() => {
    const node = grid.current;
    if (!node || typeof ResizeObserver === 'undefined') return undefined;
    const measure = (): void => {
      const width = node.clientWidth;
      const gap = width < 520 ? Math.min(gapProp, 10) : gapProp;
      // Phones still get two columns: one image per screen is too little to browse.
      const fit = Math.floor((width + gap) / (minColumn + gap));
      const columns = Math.max(width >= 300 ? 2 : 1, fit);
      setLayout({ columns, gap, column: (width - gap * (columns - 1)) / columns });
    };
    measure();
    const ro = new ResizeObserver(measure);
    ro.observe(node);
    return () => ro.disconnect();
  }, [gapProp, minColumn]);

  // Created on first use: children's refs attach before this component's effects run.
  const itemObserver = useCallback((): ResizeObserver | null => {
    if (typeof ResizeObserver === 'undefined') return null;
    observer.current ??= new ResizeObserver((entries) => {
      setHeights((previous) => {
        let next: Record<string, number> | null = null;
        for (const entry of entries) {
          const key = (entry.target as HTMLElement).dataset.key;
          const height = Math.ceil(entry.target.getBoundingClientRect().height);
          if (key && height > 0 && previous[key] !== height) {
            next ??= { ...previous };
            next[key] = height;
          }
        }
        return next ?? previous;
      });
    });
    return observer.current;
  }, []);

  useLayoutEffect(() => () => observer.current?.disconnect(), []);

  const measureRef = useCallback(
    (node: HTMLDivElement | null) => {
      if (!node) return undefined;
      const ro = itemObserver();
      ro?.observe(node);
      return () => ro?.unobserve(node);
    },
    [itemObserver],
  );

  const style = {
    gridTemplateColumns: `repeat(${layout.columns}, minmax(0, 1fr))`,
    '--masonry-gap': `${layout.gap}px`,
    gridAutoRows: `${ROW}px`,
  } as CSSProperties;

  return (
    <ul ref={grid} className="masonry" style={style} aria-label={label}>
      {items.map((item, index) => {
        const key = String(itemKey(item));
        const estimated = layout.column * aspect(item) + footer;
        const height = heights[key] ?? estimated;
        const span = Math.max(1, Math.ceil((height + layout.gap) / ROW));
        return (
          <li key={key} className="masonry__item" style={{ gridRowEnd: `span ${span}` }}>
            <div ref={measureRef} data-key={key}>
              {renderItem(item, index)}
            </div>
          </li>
        );
      })}
    </ul>
  );
}
