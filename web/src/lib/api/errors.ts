/** One error type for every failed API call, with a message a person can act on. */

export class ApiError extends Error {
  readonly status: number;

  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

function describeValidation(items: unknown[]): string {
  const messages = items.map((item) => {
    if (typeof item !== 'object' || item === null) {
      return String(item);
    }
    const loc = 'loc' in item && Array.isArray(item.loc) ? item.loc : [];
    const field = loc.filter((p) => p !== 'body' && p !== 'query' && p !== 'path').join('.');
    const msg = 'msg' in item && typeof item.msg === 'string' ? item.msg : 'is not valid';
    return field ? `${field}: ${msg}` : msg;
  });
  return messages.join('; ');
}

function fallbackMessage(status: number): string {
  if (status === 401) return 'Please log in to do that.';
  if (status === 403) return 'That is not allowed. Reload the page and try again.';
  if (status === 404) return 'We could not find that.';
  if (status === 429) return 'Too many attempts. Wait a minute and try again.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `The request failed (HTTP ${status}).`;
}

/** Turn an API error body (`{"detail": ...}`) into an ApiError. */
export function toApiError(status: number, body: unknown): ApiError {
  if (typeof body === 'object' && body !== null && 'detail' in body) {
    const detail: unknown = body.detail;
    if (typeof detail === 'string' && detail) {
      return new ApiError(status, detail.charAt(0).toUpperCase() + detail.slice(1));
    }
    if (Array.isArray(detail) && detail.length > 0) {
      return new ApiError(status, describeValidation(detail));
    }
  }
  return new ApiError(status, fallbackMessage(status));
}

export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof TypeError) return 'Could not reach Atelier. Check your connection and try again.';
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong.';
}

export function isUnauthorized(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}
