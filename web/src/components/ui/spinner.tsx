/** A small busy indicator with an accessible label. */

import type { ReactElement } from 'react';

export function Spinner({ label = 'Loading' }: { label?: string }): ReactElement {
  return <span className="spinner" role="status" aria-label={label} />;
}
