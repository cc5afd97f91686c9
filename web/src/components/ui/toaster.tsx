/** Shows the toast store's messages in a polite live region. */

import type { ReactElement } from 'react';

import { useToasts } from '@/lib/toast';

export function Toaster(): ReactElement {
  const toasts = useToasts();
  return (
    <div className="toast-region" role="status" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className={`toast${t.tone === 'error' ? ' toast--error' : ''}`}>
          {t.message}
        </div>
      ))}
    </div>
  );
}
