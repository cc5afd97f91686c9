import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useState, type ReactElement } from 'react';
import { describe, expect, it, vi } from 'vitest';

import type { Facets } from '@/features/catalog/api/use-facets';

import { DEFAULT_STATE, readSearchState, writeSearchState, type SearchState } from '../lib/search-state';
import { SearchFilters } from './search-filters';

const FACETS: Facets = {
  base_models: ['SD 1.5', 'SDXL 1.0'],
  model_types: ['LORA', 'LoCon'],
  content_levels: ['None', 'Soft', 'Mature', 'X'],
};

function Harness({ maxAllowed, onState }: { maxAllowed: number; onState: (s: SearchState) => void }): ReactElement {
  const [state, setState] = useState<SearchState>(DEFAULT_STATE);
  return (
    <SearchFilters
      state={state}
      facets={FACETS}
      maxAllowed={maxAllowed}
      onChange={(patch) =>
        setState((s) => {
          const next = { ...s, ...patch };
          onState(next);
          return next;
        })
      }
    />
  );
}

describe('search state in the URL', () => {
  it('round-trips every filter', () => {
    const state: SearchState = {
      q: 'harbor at dusk',
      baseModel: 'SD 1.5',
      modelType: 'LORA',
      maxLevel: 1,
      excludeTags: ['horror', 'gore'],
      sort: 'popular',
    };
    expect(readSearchState(writeSearchState(state))).toEqual(state);
  });

  it('ignores values it does not know', () => {
    const state = readSearchState(new URLSearchParams('max_level=9&sort=random&exclude_tags=,,'));
    expect(state).toEqual(DEFAULT_STATE);
  });
});

describe('SearchFilters', () => {
  it('never offers a content level above the person’s own limit', () => {
    render(<Harness maxAllowed={1} onState={vi.fn()} />);
    const level = screen.getByLabelText('Content up to');
    const options = within(level).getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual(['My limit (Soft)', 'None', 'Soft']);
  });

  it('keeps visitors at PG with the level filter disabled', () => {
    render(<Harness maxAllowed={0} onState={vi.fn()} />);
    expect(screen.getByLabelText('Content up to')).toBeDisabled();
  });

  it('reports each refinement and can clear them all', async () => {
    const user = userEvent.setup();
    const onState = vi.fn();
    render(<Harness maxAllowed={3} onState={onState} />);
    await user.selectOptions(screen.getByLabelText('Base model'), 'SD 1.5');
    expect(onState).toHaveBeenLastCalledWith(expect.objectContaining({ baseModel: 'SD 1.5' }));
    await user.selectOptions(screen.getByLabelText('Model type'), 'LoCon');
    await user.selectOptions(screen.getByLabelText('Content up to'), 'Mature');
    expect(onState).toHaveBeenLastCalledWith(expect.objectContaining({ modelType: 'LoCon', maxLevel: 2 }));
    await user.type(screen.getByLabelText('Exclude tags'), 'Horror{Enter}');
    expect(onState).toHaveBeenLastCalledWith(expect.objectContaining({ excludeTags: ['horror'] }));
    expect(screen.getByRole('button', { name: 'Stop excluding horror' })).toBeInTheDocument();
    await user.selectOptions(screen.getByLabelText('Sort'), 'newest');
    expect(screen.getByRole('button', { name: 'Filters (4)' })).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Clear filters' }));
    expect(onState).toHaveBeenLastCalledWith({ ...DEFAULT_STATE, sort: 'newest' });
  });
});
