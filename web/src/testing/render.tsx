/** Render a component inside the app's providers, at a route, with a fresh query cache. */

import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { render, type RenderResult } from '@testing-library/react';
import type { ReactElement } from 'react';
import { createMemoryRouter, RouterProvider } from 'react-router';

import { Toaster } from '@/components/ui/toaster';

export function testQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } },
  });
}

export function renderWithApp(
  ui: ReactElement,
  { route = '/', path = '/', client = testQueryClient() }: { route?: string; path?: string; client?: QueryClient } = {},
): RenderResult & { client: QueryClient } {
  const router = createMemoryRouter(
    [
      { path, element: ui },
      { path: '*', element: <p>Another page</p> },
    ],
    { initialEntries: [route] },
  );
  const result = render(
    <QueryClientProvider client={client}>
      <RouterProvider router={router} />
      <Toaster />
    </QueryClientProvider>,
  );
  return { ...result, client };
}
