/** The frame of every page: header with navigation, theme and account; main content. */

import type { ReactElement } from 'react';
import { Link, NavLink, Outlet, ScrollRestoration, useNavigate, useNavigation } from 'react-router';

import { Button, ButtonLink } from '@/components/ui/button';
import { MoonIcon, SunIcon } from '@/components/ui/icons';
import { useLogout } from '@/features/auth/api/use-auth-mutations';
import { useMe } from '@/lib/auth';
import { paths } from '@/config/paths';
import { toast } from '@/lib/toast';
import { useTheme } from '@/lib/theme';
import { errorMessage } from '@/lib/api/errors';

function ThemeToggle(): ReactElement {
  const { theme, toggle } = useTheme();
  const next = theme === 'dark' ? 'light' : 'dark';
  return (
    <Button variant="ghost" icon onClick={toggle} aria-label={`Switch to ${next} theme`} title={`Switch to ${next} theme`}>
      {theme === 'dark' ? <SunIcon /> : <MoonIcon />}
    </Button>
  );
}

function Account(): ReactElement | null {
  const me = useMe();
  const logout = useLogout();
  const navigate = useNavigate();
  if (me.isPending) return <span className="header__account-placeholder" />;
  if (!me.data) {
    return (
      <div className="header__account">
        <ButtonLink to={paths.login} variant="ghost" size="small">
          Log in
        </ButtonLink>
        <ButtonLink to={paths.register} variant="primary" size="small">
          Sign up
        </ButtonLink>
      </div>
    );
  }
  const onLogout = (): void => {
    logout.mutate(undefined, {
      onSuccess: () => {
        toast('You are logged out.');
        void navigate(paths.landing);
      },
      onError: (error) => toast(`Could not log out: ${errorMessage(error)}`, 'error'),
    });
  };
  return (
    <div className="header__account">
      <Link to={paths.profile} className="header__user" title="Your profile">
        <span className="avatar" aria-hidden="true">
          {me.data.username.slice(0, 1).toUpperCase()}
        </span>
        <span className="header__username">{me.data.username}</span>
      </Link>
      <Button variant="ghost" size="small" onClick={onLogout} disabled={logout.isPending}>
        Log out
      </Button>
    </div>
  );
}

function Nav(): ReactElement {
  const me = useMe();
  const signedIn = Boolean(me.data);
  return (
    <nav className="header__nav" aria-label="Main">
      {signedIn && <NavLink to={paths.home}>For you</NavLink>}
      <NavLink to={paths.explore}>Explore</NavLink>
      {signedIn && <NavLink to={paths.favorites}>Favorites</NavLink>}
      {signedIn && <NavLink to={paths.profile}>Profile</NavLink>}
    </nav>
  );
}

export function AppLayout(): ReactElement {
  const navigation = useNavigation();
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="header">
        <div className="header__inner">
          <Link to={paths.landing} className="brand" aria-label="Atelier home">
            <svg viewBox="0 0 64 64" aria-hidden="true" className="brand__mark">
              <defs>
                <linearGradient id="brand-g" x1="0" y1="0" x2="1" y2="1">
                  <stop offset="0" stopColor="#e39b5b" />
                  <stop offset="1" stopColor="#9b5de5" />
                </linearGradient>
              </defs>
              <rect width="64" height="64" rx="14" fill="url(#brand-g)" />
              <path d="M20 46 32 16l12 30M25 35h14" fill="none" stroke="#fff" strokeWidth="5" strokeLinecap="round" strokeLinejoin="round" />
            </svg>
            <span className="brand__name">Atelier</span>
          </Link>
          <Nav />
          <div className="header__tools">
            <ThemeToggle />
            <Account />
          </div>
        </div>
        {navigation.state === 'loading' && <div className="header__progress" aria-hidden="true" />}
      </header>
      <main id="main" tabIndex={-1}>
        <Outlet />
      </main>
      <ScrollRestoration />
    </>
  );
}
