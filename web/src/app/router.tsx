/** Client routes; every page is its own chunk, loaded on first visit. */

import type { ReactElement } from 'react';
import { createBrowserRouter, RouterProvider } from 'react-router';

import { RequireAuth } from '@/features/auth/components/require-auth';
import { feedImagesQuery, feedLorasQuery } from '@/features/feed/api/use-feed';
import { IMAGE_PAGE, LORA_PAGE, searchQuery } from '@/features/search/api/use-search';
import { activeFilterCount, readSearchState } from '@/features/search/lib/search-state';
import { fetchMe } from '@/lib/auth';
import { queryClient } from '@/lib/query-client';
import { keys } from '@/lib/query-keys';

import { AppLayout } from './layouts/app-layout';
import { RouteError } from './routes/route-error';

// A failed prefetch is retried (and reported) by the page's own query.
const ignore = (): void => undefined;

/**
 * Start /explore's searches while its chunk downloads, instead of after it renders. Nothing is
 * awaited: the page shows its own loading state and picks the results up from the cache.
 */
function prefetchExplore({ request }: { request: Request }): null {
  const state = readSearchState(new URL(request.url).searchParams);
  if (state.q || activeFilterCount(state) > 0) {
    queryClient.infiniteQuery(searchQuery(state, 'images', IMAGE_PAGE)).catch(ignore);
    queryClient.infiniteQuery(searchQuery(state, 'loras', LORA_PAGE)).catch(ignore);
  } else {
    prefetchFeed();
  }
  return null;
}

/** The feed and LoRA suggestions (the landing page, /home, and /explore before a query). */
function prefetchFeed(): null {
  queryClient.infiniteQuery(feedImagesQuery()).catch(ignore);
  queryClient.query(feedLorasQuery()).catch(ignore);
  return null;
}

// Who is signed in decides most pages: ask at once, in parallel with the first page's chunk.
queryClient.query({ queryKey: keys.me, queryFn: fetchMe, staleTime: 60_000 }).catch(ignore);

export const routes = [
  {
    element: <AppLayout />,
    errorElement: <RouteError />,
    hydrateFallbackElement: <div className="boot" aria-busy="true" />,
    children: [
      { index: true, loader: prefetchFeed, lazy: () => import('./routes/landing') },
      { path: 'login', lazy: () => import('./routes/login') },
      { path: 'register', lazy: () => import('./routes/register') },
      { path: 'explore', loader: prefetchExplore, lazy: () => import('./routes/explore') },
      { path: 'images/:id', lazy: () => import('./routes/image') },
      { path: 'loras/:id', lazy: () => import('./routes/lora') },
      {
        element: <RequireAuth />,
        children: [
          { path: 'home', loader: prefetchFeed, lazy: () => import('./routes/home') },
          { path: 'favorites', lazy: () => import('./routes/favorites') },
          { path: 'profile', lazy: () => import('./routes/profile') },
        ],
      },
      { path: '*', lazy: () => import('./routes/not-found') },
    ],
  },
];

const router = createBrowserRouter(routes);

export function AppRouter(): ReactElement {
  return <RouterProvider router={router} />;
}
