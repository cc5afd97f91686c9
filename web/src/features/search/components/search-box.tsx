/** The one search input: the URL follows it after a short pause, Enter applies at once. */

import { useEffect, useRef, useState, type ReactElement, type SubmitEvent } from 'react';

import { SearchIcon, XIcon } from '@/components/ui/icons';
import { useDebouncedValue } from '@/lib/use-debounced-value';

export const SEARCH_DEBOUNCE_MS = 300;

export function SearchBox({
  value,
  onSearch,
  autoFocus = false,
}: {
  value: string;
  onSearch: (q: string) => void;
  autoFocus?: boolean;
}): ReactElement {
  const [text, setText] = useState(value);
  const debounced = useDebouncedValue(text, SEARCH_DEBOUNCE_MS);
  const sent = useRef(value);

  // Follow outside changes (back button, a link to another search).
  useEffect(() => {
    if (value !== sent.current) {
      sent.current = value;
      setText(value);
    }
  }, [value]);

  useEffect(() => {
    const q = debounced.trim().replace(/\s+/g, ' ');
    if (q !== sent.current) {
      sent.current = q;
      onSearch(q);
    }
  }, [debounced, onSearch]);

  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    const q = text.trim().replace(/\s+/g, ' ');
    if (q !== sent.current) {
      sent.current = q;
      onSearch(q);
    }
  };

  return (
    <form className="search-form" role="search" onSubmit={onSubmit}>
      <div className="search-box">
        <SearchIcon />
        <input
          className="input"
          type="search"
          name="q"
          aria-label="Search images and LoRAs"
          placeholder="Describe a look: “moody watercolor harbor at dusk”"
          value={text}
          onChange={(e) => setText(e.target.value)}
          autoComplete="off"
          autoFocus={autoFocus}
        />
        {text && (
          <button type="button" className="search-box__clear" aria-label="Clear search" onClick={() => setText('')}>
            <XIcon />
          </button>
        )}
      </div>
    </form>
  );
}
