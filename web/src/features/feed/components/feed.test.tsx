import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import { IMAGE, LORA, ME } from '@/testing/fixtures';
import { mockApi, type MockApi } from '@/testing/mock-api';
import { renderWithApp } from '@/testing/render';

import { FeedImages, FeedLoras } from './feed';

let server: MockApi;
const reason = (text: string) => ({ kind: 'tag_match' as const, text, ref_type: null, ref_id: null, count: null, tag: 'harbor' });
const FEED = {
  data: [
    { image: IMAGE, reason: reason('matches your tag harbor'), score: 1, explore: false },
    { image: { ...IMAGE, id: 2 }, reason: reason('popular on Atelier'), score: 0.5, explore: false },
  ],
  next_cursor: null,
  personalised: true,
};

beforeEach(() => {
  server = mockApi();
  document.cookie = 'atelier_csrf=t; path=/';
  server.on('GET', '/api/me', () => ({ body: ME }));
  server.on('GET', '/api/favorites', () => ({ body: { data: [], count: 0, next_cursor: null } }));
  server.on('GET', '/api/recommendations/images', () => ({ body: FEED }));
  server.on('GET', '/api/recommendations/loras', () => ({
    body: { data: [{ lora: LORA, reason: reason('because you saved Harbor Lights'), score: 1, explore: false }], personalised: true },
  }));
});

describe('the feed', () => {
  it('shows each image and LoRA with the reason it was picked', async () => {
    renderWithApp(
      <>
        <FeedImages />
        <FeedLoras />
      </>,
    );
    const images = await screen.findByRole('region', { name: 'Images for you' });
    expect(await within(images).findByText('Matches your tag harbor')).toBeInTheDocument();
    expect(within(images).getByText('Popular on Atelier')).toBeInTheDocument();
    const loras = screen.getByRole('region', { name: 'LoRAs for you' });
    expect(await within(loras).findByText('Because you saved Harbor Lights')).toBeInTheDocument();
  });

  it('drops a "not interested" card at once, then asks for a fresh feed', async () => {
    server.on('POST', '/api/interactions', () => ({ status: 202, body: { accepted: 1 } }));
    renderWithApp(<FeedImages />);
    const cards = await screen.findAllByTestId('image-card');
    expect(cards).toHaveLength(2);
    const before = server.callsTo('GET', '/api/recommendations/images').length;
    await userEvent.click(await within(cards[0]!).findByRole('button', { name: 'Not interested' }));
    expect(screen.getAllByTestId('image-card')).toHaveLength(1);
    expect(server.callsTo('POST', '/api/interactions')[0]?.body).toEqual({ item_type: 'image', item_id: IMAGE.id, kind: 'dislike' });
    await waitFor(() => expect(server.callsTo('GET', '/api/recommendations/images').length).toBeGreaterThan(before));
  });

  it('brings the card back when hiding fails', async () => {
    server.on('POST', '/api/interactions', () => ({ status: 500, body: { detail: 'internal error' } }));
    renderWithApp(<FeedImages />);
    const cards = await screen.findAllByTestId('image-card');
    await userEvent.click(await within(cards[0]!).findByRole('button', { name: 'Not interested' }));
    expect(await screen.findByText(/could not hide that/i)).toBeInTheDocument();
    expect(screen.getAllByTestId('image-card')).toHaveLength(2);
  });
});
