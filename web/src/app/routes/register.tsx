/** /register */

import type { ReactElement } from 'react';
import { Navigate } from 'react-router';

import { useMe } from '@/lib/auth';
import { RegisterForm } from '@/features/auth/components/register-form';
import { paths } from '@/config/paths';
import { useDocumentTitle } from '@/lib/use-document-title';

import { AuthFrame } from './auth-frame';

export function Component(): ReactElement {
  useDocumentTitle('Sign up');
  const me = useMe();
  if (me.data) return <Navigate to={paths.home} replace />;
  return (
    <AuthFrame
      title="Create your account"
      lead="Like, save and skip what you see, and Atelier learns your taste: a feed of images and LoRAs about you."
    >
      <RegisterForm />
    </AuthFrame>
  );
}
