import { fireEvent, screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import { IMAGE, ME, SOFT_IMAGE } from '@/testing/fixtures';
import { mockApi, type MockApi } from '@/testing/mock-api';
import { renderWithApp } from '@/testing/render';

import { ImageCard } from './image-card';

let server: MockApi;

function signedIn(): void {
  server.on('GET', '/api/me', () => ({ body: ME }));
  server.on('GET', '/api/favorites', () => ({ body: { data: [], count: 0, next_cursor: null } }));
}

beforeEach(() => {
  server = mockApi();
  server.on('GET', '/api/me', () => ({ status: 401, body: { detail: 'not signed in' } }));
  document.cookie = 'atelier_csrf=test-token; path=/';
});

describe('ImageCard', () => {
  it('shows the BlurHash placeholder at the image aspect ratio with its reason', () => {
    const { container } = renderWithApp(<ImageCard image={IMAGE} reason="Because you liked harbors" />);
    const canvas = container.querySelector('canvas.blurhash');
    expect(canvas).toHaveAttribute('data-blurhash', IMAGE.blurhash);
    const frame = container.querySelector<HTMLElement>('.frame');
    expect(frame?.style.aspectRatio).toBe(`1 / ${896 / 1280}`);
    expect(screen.getByTestId('reason')).toHaveTextContent('Because you liked harbors');
  });

  it('takes its alt text from the prompt, without LoRA tags', () => {
    renderWithApp(<ImageCard image={IMAGE} />);
    const img = screen.getByRole('img');
    expect(img).toHaveAttribute('alt', 'a moody watercolor harbor at dusk, boats');
    expect(screen.getByRole('link')).toHaveAttribute('href', '/images/12340');
  });

  it('keeps the placeholder, still labelled, when the CDN image cannot load', () => {
    const { container } = renderWithApp(<ImageCard image={IMAGE} />);
    fireEvent.error(container.querySelector('img.frame__img') as HTMLImageElement);
    expect(container.querySelector('img.frame__img')).toBeNull();
    expect(container.querySelector('canvas.blurhash')).toBeInTheDocument();
    expect(screen.getByRole('img', { name: /moody watercolor harbor/ })).toBeInTheDocument();
  });

  it('blurs Soft content until clicked', async () => {
    const { container } = renderWithApp(<ImageCard image={SOFT_IMAGE} />);
    expect(container.querySelector('.frame--gated')).toBeInTheDocument();
    expect(screen.queryByRole('link')).toBeNull();
    await userEvent.click(screen.getByRole('button', { name: /soft.*click to show/i }));
    expect(container.querySelector('.frame--gated')).toBeNull();
    expect(screen.getByRole('link')).toHaveAttribute('href', '/images/555');
  });

  it('offers like, save and not-interested only to signed-in people', async () => {
    renderWithApp(<ImageCard image={IMAGE} />);
    await waitFor(() => expect(server.callsTo('GET', '/api/me')).toHaveLength(1));
    expect(screen.queryByRole('button', { name: 'Like' })).toBeNull();

    signedIn();
    renderWithApp(<ImageCard image={{ ...IMAGE, id: 99 }} />);
    expect(await screen.findByRole('button', { name: 'Like' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save' })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Not interested' })).toBeInTheDocument();
  });
});

describe('optimistic actions', () => {
  it('shows a like at once and rolls it back when the server refuses', async () => {
    signedIn();
    let release: () => void = () => undefined;
    server.on('POST', '/api/interactions', () =>
      new Promise((resolve) => {
        release = () => resolve({ status: 503, body: { detail: 'recommender is restarting' } });
      }),
    );
    renderWithApp(<ImageCard image={IMAGE} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Like' }));

    const liked = await screen.findByRole('button', { name: 'Liked' });
    expect(liked).toHaveAttribute('aria-pressed', 'true');
    const [call] = server.callsTo('POST', '/api/interactions');
    expect(call?.body).toEqual({ item_type: 'image', item_id: IMAGE.id, kind: 'like' });
    expect(call?.headers.get('X-CSRF-Token')).toBe('test-token');

    release();
    const like = await screen.findByRole('button', { name: 'Like' });
    expect(like).toHaveAttribute('aria-pressed', 'false');
    expect(await screen.findByText(/could not record your like: recommender is restarting/i)).toBeInTheDocument();
  });

  it('keeps a like the server accepted and refreshes the feed', async () => {
    signedIn();
    server.on('POST', '/api/interactions', () => ({ status: 202, body: { accepted: 1 } }));
    const { client } = renderWithApp(<ImageCard image={IMAGE} />);
    client.setQueryData(['recommendations', 'images'], { stale: false });
    await userEvent.click(await screen.findByRole('button', { name: 'Like' }));
    await waitFor(() =>
      expect(client.getQueryState(['recommendations', 'images'])?.isInvalidated).toBe(true),
    );
    expect(screen.getByRole('button', { name: 'Liked' })).toHaveAttribute('aria-pressed', 'true');
  });

  it('rolls a save back when it fails', async () => {
    signedIn();
    server.on('PUT', /\/api\/favorites\/images\/\d+/, () => ({ status: 404, body: { detail: 'not in the catalog' } }));
    renderWithApp(<ImageCard image={IMAGE} />);
    await userEvent.click(await screen.findByRole('button', { name: 'Save' }));
    expect(await screen.findByText(/could not save: not in the catalog/i)).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Save' })).toHaveAttribute('aria-pressed', 'false');
  });
});
