/** Which gated (Soft and above) images the person chose to see in this visit. */

import { useCallback, useSyncExternalStore } from 'react';

let revealed = new Set<string>();
const listeners = new Set<() => void>();

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function useRevealed(key: string): [boolean, () => void] {
  const isRevealed = useSyncExternalStore(
    subscribe,
    () => revealed.has(key),
    () => false,
  );
  const reveal = useCallback(() => {
    revealed = new Set(revealed).add(key);
    listeners.forEach((l) => l());
  }, [key]);
  return [isRevealed, reveal];
}
