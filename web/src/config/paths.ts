/** Every client route, in one place, with builders for links to them. */

export const paths = {
  landing: '/',
  login: '/login',
  register: '/register',
  home: '/home',
  explore: '/explore',
  image: (id: number | string): string => `/images/${id}`,
  lora: (id: number | string): string => `/loras/${id}`,
  favorites: '/favorites',
  profile: '/profile',
} as const;

/** Search-page link for a query (and optional filters). */
export function exploreHref(q: string, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams({ ...(q ? { q } : {}), ...extra });
  const qs = params.toString();
  return qs ? `${paths.explore}?${qs}` : paths.explore;
}

/** A same-site path to return to after logging in; anything else falls back to the feed. */
export function safeNext(next: string | null | undefined): string {
  if (!next || !next.startsWith('/') || next.startsWith('//') || next.startsWith('/api')) {
    return paths.home;
  }
  return next;
}
