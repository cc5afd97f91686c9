/** /login */

import type { ReactElement } from 'react';
import { Navigate, useSearchParams } from 'react-router';

import { useMe } from '@/lib/auth';
import { LoginForm } from '@/features/auth/components/login-form';
import { safeNext } from '@/config/paths';
import { useDocumentTitle } from '@/lib/use-document-title';

import { AuthFrame } from './auth-frame';

export function Component(): ReactElement {
  useDocumentTitle('Log in');
  const me = useMe();
  const [params] = useSearchParams();
  if (me.data) return <Navigate to={safeNext(params.get('next'))} replace />;
  return (
    <AuthFrame title="Welcome back" lead="Log in to see your feed, your favorites and your collections.">
      <LoginForm />
    </AuthFrame>
  );
}
