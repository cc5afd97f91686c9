/** Route guards: private pages send visitors to log in (and back after); auth pages skip ahead. */

import type { ReactElement } from 'react';
import { Navigate, Outlet, useLocation } from 'react-router';

import { ErrorState, LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';

import { useMe } from '@/lib/auth';

export function RequireAuth(): ReactElement {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <LoadingState label="Checking your session…" />;
  if (me.isError) return <ErrorState error={me.error} onRetry={() => void me.refetch()} />;
  if (!me.data) {
    const next = `${location.pathname}${location.search}`;
    return <Navigate to={`${paths.login}?next=${encodeURIComponent(next)}`} replace />;
  }
  return <Outlet />;
}
