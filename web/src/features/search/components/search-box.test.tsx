import { act, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { SEARCH_DEBOUNCE_MS, SearchBox } from './search-box';

beforeEach(() => {
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('SearchBox', () => {
  it('searches once the person pauses, not on every key', () => {
    const onSearch = vi.fn();
    render(<SearchBox value="" onSearch={onSearch} />);
    const box = screen.getByRole('searchbox', { name: 'Search images and LoRAs' });
    for (const text of ['w', 'wa', 'wat', 'watercolor', 'watercolor  harbor ']) {
      fireEvent.change(box, { target: { value: text } });
      act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS / 3));
    }
    expect(onSearch).not.toHaveBeenCalled();
    act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS));
    expect(onSearch).toHaveBeenCalledTimes(1);
    expect(onSearch).toHaveBeenCalledWith('watercolor harbor');
  });

  it('applies at once on Enter', () => {
    const onSearch = vi.fn();
    render(<SearchBox value="" onSearch={onSearch} />);
    const box = screen.getByRole('searchbox', { name: 'Search images and LoRAs' });
    fireEvent.change(box, { target: { value: 'ink fox' } });
    fireEvent.submit(box.closest('form') as HTMLFormElement);
    expect(onSearch).toHaveBeenCalledWith('ink fox');
    act(() => vi.advanceTimersByTime(SEARCH_DEBOUNCE_MS * 2));
    expect(onSearch).toHaveBeenCalledTimes(1);
  });

  it('follows the URL when it changes from outside (back button)', () => {
    const { rerender } = render(<SearchBox value="first" onSearch={vi.fn()} />);
    rerender(<SearchBox value="second" onSearch={vi.fn()} />);
    expect(screen.getByRole('searchbox')).toHaveValue('second');
  });
});
