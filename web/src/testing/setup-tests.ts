/** Runs before every test file: DOM matchers, a clean DOM and caches between tests. */

import '@testing-library/jest-dom/vitest';
import { cleanup } from '@testing-library/react';
import { afterEach } from 'vitest';

afterEach(() => {
  cleanup();
  document.cookie = 'atelier_csrf=; expires=Thu, 01 Jan 1970 00:00:00 GMT; path=/';
});
