import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it, vi } from 'vitest';

import { ME } from '@/testing/fixtures';
import { mockApi, type MockApi } from '@/testing/mock-api';
import { renderWithApp } from '@/testing/render';

import { DeleteAccount } from './account-forms';
import { PreferencesForm } from './preferences-form';

let server: MockApi;

beforeEach(() => {
  server = mockApi();
  document.cookie = 'atelier_csrf=t; path=/';
  server.on('GET', '/api/search/facets', () => ({
    body: { base_models: ['SD 1.5', 'SDXL 1.0'], model_types: ['LORA'], content_levels: ['None', 'Soft', 'Mature', 'X'] },
  }));
});

describe('PreferencesForm', () => {
  it('saves blocked tags, base models and the content level, then refreshes every list', async () => {
    const user = userEvent.setup();
    server.on('PATCH', '/api/me/preferences', ({ body }) => ({
      body: { ...ME, preferences: { ...ME.preferences, ...(body as object) } },
    }));
    const { client } = renderWithApp(<PreferencesForm preferences={ME.preferences} />);
    client.setQueryData(['search', 'images'], { stale: false });
    expect(screen.getByRole('button', { name: 'Save preferences' })).toBeDisabled();

    await user.type(screen.getByLabelText('Blocked tags'), 'horror{Enter}');
    await user.click(await screen.findByRole('button', { name: 'SD 1.5' }));
    await user.click(screen.getByRole('radio', { name: /^Mature/ }));
    await user.click(screen.getByRole('button', { name: 'Save preferences' }));

    await waitFor(() => expect(server.callsTo('PATCH', '/api/me/preferences')).toHaveLength(1));
    expect(server.callsTo('PATCH', '/api/me/preferences')[0]?.body).toEqual({
      liked_tags: [],
      blocked_tags: ['horror'],
      base_models: ['SD 1.5'],
      max_content_level: 2,
      show_poi: false,
    });
    await waitFor(() => expect(client.getQueryState(['search', 'images'])?.isInvalidated).toBe(true));
    expect(await screen.findByText(/preferences saved/i)).toBeInTheDocument();
  });
});

describe('DeleteAccount', () => {
  it('asks for the password before deleting', async () => {
    const user = userEvent.setup();
    const onDeleted = vi.fn();
    server.on('DELETE', '/api/me', ({ body }) =>
      (body as { password: string }).password === 'right password here'
        ? { status: 204 }
        : { status: 403, body: { detail: 'current password is wrong' } },
    );
    renderWithApp(<DeleteAccount onDeleted={onDeleted} />);
    await user.click(screen.getByRole('button', { name: 'Delete my account…' }));
    expect(screen.getByRole('button', { name: 'Delete forever' })).toBeDisabled();

    await user.type(screen.getByLabelText('Password'), 'wrong');
    await user.click(screen.getByRole('button', { name: 'Delete forever' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Current password is wrong');
    expect(onDeleted).not.toHaveBeenCalled();

    await user.clear(screen.getByLabelText('Password'));
    await user.type(screen.getByLabelText('Password'), 'right password here');
    await user.click(screen.getByRole('button', { name: 'Delete forever' }));
    await waitFor(() => expect(onDeleted).toHaveBeenCalled());
  });
});
