import { screen, within } from '@testing-library/react';
import { beforeEach, describe, expect, it } from 'vitest';

import { IMAGE, LORA } from '@/testing/fixtures';
import { mockApi, type MockApi } from '@/testing/mock-api';
import { renderWithApp } from '@/testing/render';

import { DEFAULT_STATE } from '../lib/search-state';
import { ImageResults, LoraResults } from './search-results';

let server: MockApi;

const match = { score: 0.5, why: 'matches your words', matched_terms: ['harbor'] };

beforeEach(() => {
  server = mockApi();
  server.on('GET', '/api/me', () => ({ status: 401, body: { detail: 'not signed in' } }));
});

describe('search results', () => {
  it('shows images and LoRAs for the query with their counts, passing the filters', async () => {
    server.on('GET', '/api/search', ({ search }) => {
      const params = new URLSearchParams(search);
      return params.get('kind') === 'images'
        ? { body: { query: 'harbor', semantic: true, images: { data: [{ image: IMAGE, match }], total: 1, next_cursor: null }, loras: null } }
        : { body: { query: 'harbor', semantic: true, images: null, loras: { data: [{ lora: LORA, match }], total: 1, next_cursor: null } } };
    });
    const state = { ...DEFAULT_STATE, q: 'harbor', baseModel: 'SD 1.5', excludeTags: ['horror', 'gore'] };
    renderWithApp(
      <>
        <ImageResults state={state} />
        <LoraResults state={state} />
      </>,
    );
    const images = await screen.findByRole('region', { name: /^Images/ });
    expect(await within(images).findAllByTestId('image-card')).toHaveLength(1);
    const loras = screen.getByRole('region', { name: /^LoRAs/ });
    expect(await within(loras).findByText('Harbor Watercolor')).toBeInTheDocument();
    expect(within(loras).getByText('Matches your words')).toBeInTheDocument();

    const sent = new URLSearchParams(server.callsTo('GET', '/api/search')[0]?.search);
    expect(sent.get('q')).toBe('harbor');
    expect(sent.get('base_model')).toBe('SD 1.5');
    expect(sent.getAll('exclude_tags')).toEqual(['horror', 'gore']);
  });

  it('says what to try when nothing matches', async () => {
    server.on('GET', '/api/search', () => ({
      body: { query: 'zzz', semantic: true, images: { data: [], total: 0, next_cursor: null }, loras: null },
    }));
    renderWithApp(<ImageResults state={{ ...DEFAULT_STATE, q: 'zzz', baseModel: 'SD 1.5' }} />);
    expect(await screen.findByText('No images match “zzz”')).toBeInTheDocument();
    expect(screen.getByText('Try clearing a filter or two.')).toBeInTheDocument();
  });

  it('offers a retry when the search fails', async () => {
    server.on('GET', '/api/search', () => ({ status: 503, body: { detail: 'search is not available' } }));
    renderWithApp(<ImageResults state={{ ...DEFAULT_STATE, q: 'harbor' }} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('Search is not available');
    expect(screen.getByRole('button', { name: 'Try again' })).toBeInTheDocument();
  });
});
