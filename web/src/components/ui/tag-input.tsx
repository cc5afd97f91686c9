/** Edits a list of tags: type and press Enter (or comma) to add, click a tag's x to remove. */

import { useId, useState, type KeyboardEvent, type ReactElement } from 'react';

import { XIcon } from './icons';

export function TagInput({
  label,
  value,
  onChange,
  placeholder = 'Type a tag and press Enter',
  hint,
  suggestions = [],
  tone = 'accent',
}: {
  label: string;
  value: readonly string[];
  onChange: (tags: string[]) => void;
  placeholder?: string;
  hint?: string;
  suggestions?: readonly string[];
  tone?: 'accent' | 'violet';
}): ReactElement {
  const id = useId();
  const [draft, setDraft] = useState('');
  const has = (tag: string): boolean => value.some((t) => t.toLowerCase() === tag.toLowerCase());
  const add = (raw: string): void => {
    const tag = raw.trim().replace(/,+$/, '').trim();
    if (tag && !has(tag)) {
      onChange([...value, tag]);
    }
    setDraft('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      add(draft);
    } else if (event.key === 'Backspace' && draft === '' && value.length > 0) {
      onChange(value.slice(0, -1));
    }
  };
  const open = suggestions.filter((s) => !has(s)).slice(0, 8);
  return (
    <div className="field">
      <label className="field__label" htmlFor={id}>
        {label}
      </label>
      {value.length > 0 && (
        <ul className="chips" aria-label={`${label}: chosen`}>
          {value.map((tag) => (
            <li key={tag} className={`chip chip--${tone}`}>
              {tag}
              <button
                type="button"
                className="chip__remove"
                aria-label={`Remove ${tag}`}
                onClick={() => onChange(value.filter((t) => t !== tag))}
              >
                <XIcon width={12} height={12} />
              </button>
            </li>
          ))}
        </ul>
      )}
      <input
        id={id}
        className="input"
        value={draft}
        placeholder={placeholder}
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={onKeyDown}
        onBlur={() => draft.trim() && add(draft)}
        aria-describedby={hint ? `${id}-hint` : undefined}
      />
      {hint && (
        <span id={`${id}-hint`} className="field__hint">
          {hint}
        </span>
      )}
      {open.length > 0 && (
        <div className="chips" aria-label="Suggestions">
          {open.map((s) => (
            <button key={s} type="button" className="chip" onClick={() => add(s)}>
              + {s}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
