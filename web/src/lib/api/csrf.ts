/** The CSRF token: read from the `atelier_csrf` cookie, fetched once when the browser has none. */

export const CSRF_COOKIE = 'atelier_csrf';
export const CSRF_HEADER = 'X-CSRF-Token';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(name: string, cookies: string = document.cookie): string | null {
  for (const part of cookies.split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) {
      return decodeURIComponent(rest.join('='));
    }
  }
  return null;
}

let pending: Promise<string> | null = null;

async function fetchToken(): Promise<string> {
  const response = await fetch('/api/auth/csrf', { credentials: 'same-origin' });
  if (!response.ok) {
    throw new Error(`could not get a CSRF token (HTTP ${response.status})`);
  }
  const body: unknown = await response.json();
  const fromCookie = readCookie(CSRF_COOKIE);
  if (fromCookie) {
    return fromCookie;
  }
  if (typeof body === 'object' && body !== null && 'token' in body && typeof body.token === 'string') {
    return body.token;
  }
  throw new Error('the server sent no CSRF token');
}

/** The token to send now; concurrent callers share one fetch. */
export async function csrfToken(): Promise<string> {
  const existing = readCookie(CSRF_COOKIE);
  if (existing) {
    return existing;
  }
  pending ??= fetchToken().finally(() => {
    pending = null;
  });
  return pending;
}

export function needsCsrf(method: string): boolean {
  return !SAFE_METHODS.has(method.toUpperCase());
}
