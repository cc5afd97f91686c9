/** Filters for the explore page: base model, model type, content level, excluded tags, sort. */

import { useId, useState, type KeyboardEvent, type ReactElement } from 'react';

import { Button } from '@/components/ui/button';
import { FilterIcon, XIcon } from '@/components/ui/icons';
import { CONTENT_LEVELS } from '@/config/content-levels';

import type { Facets } from '@/features/catalog/api/use-facets';
import { activeFilterCount, DEFAULT_STATE, type SearchState, type Sort } from '../lib/search-state';

const SORT_LABELS: Record<Sort, string> = {
  relevance: 'Best match',
  popular: 'Most popular',
  newest: 'Newest',
};

function Select({
  label,
  value,
  onChange,
  children,
  disabled,
  hint,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  children: React.ReactNode;
  disabled?: boolean;
  hint?: string;
}): ReactElement {
  const id = useId();
  return (
    <div className="filter">
      <label htmlFor={id} className="filter__label">
        {label}
      </label>
      <select
        id={id}
        className="select"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        disabled={disabled}
        title={hint}
      >
        {children}
      </select>
    </div>
  );
}

function ExcludeTags({
  tags,
  onChange,
}: {
  tags: string[];
  onChange: (tags: string[]) => void;
}): ReactElement {
  const id = useId();
  const [draft, setDraft] = useState('');
  const add = (): void => {
    const tag = draft.trim().toLowerCase();
    if (tag && !tags.includes(tag)) onChange([...tags, tag]);
    setDraft('');
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>): void => {
    if (event.key === 'Enter' || event.key === ',') {
      event.preventDefault();
      add();
    }
  };
  return (
    <div className="filter filter--tags">
      <label htmlFor={id} className="filter__label">
        Exclude tags
      </label>
      <div className="tag-field">
        {tags.map((tag) => (
          <span key={tag} className="chip chip--accent">
            {tag}
            <button
              type="button"
              className="chip__remove"
              aria-label={`Stop excluding ${tag}`}
              onClick={() => onChange(tags.filter((t) => t !== tag))}
            >
              <XIcon width={12} height={12} />
            </button>
          </span>
        ))}
        <input
          id={id}
          className="tag-field__input"
          value={draft}
          placeholder={tags.length ? 'Add…' : 'e.g. horror, then Enter'}
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={onKeyDown}
          onBlur={add}
        />
      </div>
    </div>
  );
}

export function SearchFilters({
  state,
  onChange,
  facets,
  maxAllowed,
}: {
  state: SearchState;
  onChange: (patch: Partial<SearchState>) => void;
  facets: Facets | undefined;
  /** The person's own content limit: the level filter never offers more. */
  maxAllowed: number;
}): ReactElement {
  const [open, setOpen] = useState(false);
  const active = activeFilterCount(state);
  const levels = CONTENT_LEVELS.filter((l) => l.value <= maxAllowed);
  return (
    <section className={`filters${open ? ' filters--open' : ''}`} aria-label="Filters">
      <Button
        size="small"
        className="filters__toggle"
        aria-expanded={open}
        aria-controls="filters-body"
        onClick={() => setOpen((o) => !o)}
      >
        <FilterIcon />
        Filters{active ? ` (${active})` : ''}
      </Button>
      <div id="filters-body" className="filters__body">
        <Select
          label="Base model"
          value={state.baseModel}
          onChange={(baseModel) => onChange({ baseModel })}
        >
          <option value="">Any base model</option>
          {(facets?.base_models ?? []).map((b) => (
            <option key={b} value={b}>
              {b}
            </option>
          ))}
        </Select>
        <Select
          label="Model type"
          value={state.modelType}
          onChange={(modelType) => onChange({ modelType })}
        >
          <option value="">Any type</option>
          {(facets?.model_types ?? []).map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </Select>
        <Select
          label="Content up to"
          value={state.maxLevel === null ? '' : String(state.maxLevel)}
          onChange={(v) => onChange({ maxLevel: v === '' ? null : Number(v) })}
          disabled={levels.length < 2}
          hint={levels.length < 2 ? 'Allow more in your profile to see more' : undefined}
        >
          <option value="">
            {levels.length < 2 ? 'None (PG)' : `My limit (${levels.at(-1)?.label ?? 'None'})`}
          </option>
          {levels.length > 1 &&
            levels.map((l) => (
              <option key={l.value} value={l.value}>
                {l.label}
              </option>
            ))}
        </Select>
        <ExcludeTags tags={state.excludeTags} onChange={(excludeTags) => onChange({ excludeTags })} />
        <Select label="Sort" value={state.sort} onChange={(v) => onChange({ sort: v as Sort })}>
          {(Object.keys(SORT_LABELS) as Sort[]).map((s) => (
            <option key={s} value={s}>
              {SORT_LABELS[s]}
            </option>
          ))}
        </Select>
        {active > 0 && (
          <Button
            size="small"
            variant="ghost"
            className="filters__clear"
            onClick={() =>
              onChange({
                baseModel: DEFAULT_STATE.baseModel,
                modelType: DEFAULT_STATE.modelType,
                maxLevel: DEFAULT_STATE.maxLevel,
                excludeTags: DEFAULT_STATE.excludeTags,
              })
            }
          >
            Clear filters
          </Button>
        )}
      </div>
    </section>
  );
}
