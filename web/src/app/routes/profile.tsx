/** /profile : account, preferences, saved counts, password, delete account. */

import type { ReactElement } from 'react';
import { Link, useNavigate } from 'react-router';

import { LoadingState } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { DeleteAccount, PasswordForm } from '@/features/profile/components/account-forms';
import { PreferencesForm } from '@/features/profile/components/preferences-form';
import { useMe } from '@/lib/auth';
import { toast } from '@/lib/toast';
import { useDocumentTitle } from '@/lib/use-document-title';

export function Component(): ReactElement {
  useDocumentTitle('Profile');
  const me = useMe();
  const navigate = useNavigate();
  if (!me.data) return <LoadingState />;
  const since = new Date(me.data.created_at).toLocaleDateString('en', { year: 'numeric', month: 'long', day: 'numeric' });
  return (
    <div className="page page--narrow profile">
      <div className="page-head">
        <div className="profile__who">
          <span className="avatar avatar--large" aria-hidden="true">
            {me.data.username.slice(0, 1).toUpperCase()}
          </span>
          <div>
            <h1>{me.data.username}</h1>
            <p>Member since {since}</p>
          </div>
        </div>
      </div>
      <div className="stats">
        <Link to={paths.favorites} className="stat">
          <strong>{me.data.saved_images}</strong>
          <span>saved images</span>
        </Link>
        <Link to={`${paths.favorites}?tab=loras`} className="stat">
          <strong>{me.data.saved_loras}</strong>
          <span>saved LoRAs</span>
        </Link>
        <Link to={`${paths.favorites}?tab=collections`} className="stat">
          <strong>→</strong>
          <span>collections</span>
        </Link>
      </div>
      <section className="panel" aria-labelledby="prefs-title">
        <h2 id="prefs-title">Preferences</h2>
        <p className="muted panel__lead">They shape your feed, your search results and what you can see.</p>
        <PreferencesForm key={JSON.stringify(me.data.preferences)} preferences={me.data.preferences} />
      </section>
      <section className="panel" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <PasswordForm />
      </section>
      <section className="panel panel--danger" aria-labelledby="delete-title">
        <h2 id="delete-title">Delete account</h2>
        <DeleteAccount
          onDeleted={() => {
            toast('Your account was deleted.');
            void navigate(paths.landing);
          }}
        />
      </section>
    </div>
  );
}
