/** A fake server for component tests: routes by method and path to canned JSON responses. */

import { vi } from 'vitest';

export interface MockCall {
  method: string;
  path: string;
  search: string;
  body: unknown;
  headers: Headers;
}

type Handler = (call: MockCall) => { status?: number; body?: unknown } | Promise<{ status?: number; body?: unknown }>;

export interface MockApi {
  on: (method: string, path: string | RegExp, handler: Handler) => MockApi;
  calls: MockCall[];
  callsTo: (method: string, path: string | RegExp) => MockCall[];
}

function matches(pattern: string | RegExp, path: string): boolean {
  return typeof pattern === 'string' ? pattern === path : pattern.test(path);
}

/** Replace the global fetch; unmatched requests answer 404 like the real API would. */
export function mockApi(): MockApi {
  const routes: { method: string; path: string | RegExp; handler: Handler }[] = [];
  const calls: MockCall[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const url = new URL(request.url);
    const text = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text();
    const call: MockCall = {
      method: request.method,
      path: url.pathname,
      search: url.search,
      body: text ? (JSON.parse(text) as unknown) : undefined,
      headers: request.headers,
    };
    calls.push(call);
    const route = [...routes].reverse().find((r) => r.method === call.method && matches(r.path, call.path));
    const result = route ? await route.handler(call) : { status: 404, body: { detail: 'no such route' } };
    const status = result.status ?? 200;
    return new Response(status === 204 ? null : JSON.stringify(result.body ?? {}), {
      status,
      headers: { 'Content-Type': 'application/json' },
    });
  });
  vi.stubGlobal('fetch', fetchMock);
  const api: MockApi = {
    on(method, path, handler) {
      routes.push({ method, path, handler });
      return api;
    },
    calls,
    callsTo: (method, path) => calls.filter((c) => c.method === method && matches(path, c.path)),
  };
  return api;
}
