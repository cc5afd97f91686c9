/** Log in: username and password, with messages that say what to fix. */

import { useState, type SubmitEvent, type ReactElement } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { paths } from '@/config/paths';

import { useLogin } from '../api/use-auth-mutations';

export function LoginForm(): ReactElement {
  const login = useLogin();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const usernameError = submitted && !username.trim() ? 'Enter your username.' : null;
  const passwordError = submitted && !password ? 'Enter your password.' : null;

  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setSubmitted(true);
    if (!username.trim() || !password) return;
    // The route redirects once the session query holds the person.
    login.mutate({ username: username.trim(), password });
  };

  return (
    <form className="auth-form" onSubmit={onSubmit} noValidate aria-label="Log in">
      <TextField
        label="Username"
        name="username"
        autoComplete="username"
        value={username}
        onChange={(e) => setUsername(e.target.value)}
        error={usernameError}
        autoFocus
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        error={passwordError}
      />
      <InlineError error={login.error} />
      <Button type="submit" variant="primary" disabled={login.isPending}>
        {login.isPending ? 'Logging in…' : 'Log in'}
      </Button>
      <p className="auth-form__alt">
        New here? <Link to={paths.register}>Create an account</Link>
      </p>
    </form>
  );
}
