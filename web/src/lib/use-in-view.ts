/** Calls back when an element scrolls near the viewport (infinite scroll's trigger). */

import { useEffect, useRef } from 'react';

export function useInView<T extends Element>(
  onEnter: () => void,
  { enabled = true, rootMargin = '600px' }: { enabled?: boolean; rootMargin?: string } = {},
): React.RefObject<T | null> {
  const ref = useRef<T | null>(null);
  const callback = useRef(onEnter);
  callback.current = onEnter;
  useEffect(() => {
    const node = ref.current;
    if (!enabled || !node || typeof IntersectionObserver === 'undefined') {
      return undefined;
    }
    const observer = new IntersectionObserver(
      (entries) => {
        if (entries.some((e) => e.isIntersecting)) {
          callback.current();
        }
      },
      { rootMargin },
    );
    observer.observe(node);
    return () => observer.disconnect();
  }, [enabled, rootMargin]);
  return ref;
}
