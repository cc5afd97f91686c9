/** Loading, error and empty states that tell the person what to do next. */

import type { ReactElement, ReactNode } from 'react';

import { errorMessage } from '@/lib/api/errors';

import { Button } from './button';
import { Spinner } from './spinner';

export function LoadingState({ label = 'Loading…' }: { label?: string }): ReactElement {
  return (
    <div className="state" aria-busy="true">
      <Spinner label={label} />
      <p>{label}</p>
    </div>
  );
}

export function ErrorState({
  error,
  title = 'Something went wrong',
  onRetry,
}: {
  error: unknown;
  title?: string;
  onRetry?: () => void;
}): ReactElement {
  return (
    <div className="state" role="alert">
      <h2>{title}</h2>
      <p>{errorMessage(error)}</p>
      {onRetry && (
        <Button variant="primary" onClick={onRetry}>
          Try again
        </Button>
      )}
    </div>
  );
}

export function EmptyState({
  title,
  children,
  action,
}: {
  title: string;
  children?: ReactNode;
  action?: ReactNode;
}): ReactElement {
  return (
    <div className="state">
      <h2>{title}</h2>
      {children && <p>{children}</p>}
      {action}
    </div>
  );
}

export function InlineError({ error }: { error: unknown }): ReactElement | null {
  if (!error) return null;
  return (
    <div className="notice notice--error" role="alert">
      <strong>Error:</strong> <span>{errorMessage(error)}</span>
    </div>
  );
}
