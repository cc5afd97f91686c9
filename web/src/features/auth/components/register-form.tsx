/** Sign up: checks the server's rules as the person types, and shows the server's verdict. */

import { useState, type SubmitEvent, type ReactElement } from 'react';
import { Link } from 'react-router';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';
import { paths } from '@/config/paths';
import { ApiError } from '@/lib/api/errors';

import { useRegister } from '../api/use-auth-mutations';
import { confirmError, passwordError, PASSWORD_MIN, usernameError } from '../lib/validate';

type FieldName = 'username' | 'password' | 'confirm';

export function RegisterForm(): ReactElement {
  const register = useRegister();
  const [values, setValues] = useState({ username: '', password: '', confirm: '' });
  const [touched, setTouched] = useState<Record<FieldName, boolean>>({
    username: false,
    password: false,
    confirm: false,
  });
  const errors: Record<FieldName, string | null> = {
    username: usernameError(values.username),
    password: passwordError(values.password, values.username),
    confirm: confirmError(values.password, values.confirm),
  };
  const shown = (field: FieldName): string | null => (touched[field] ? errors[field] : null);
  const conflict = register.error instanceof ApiError && register.error.status === 409;

  const set = (field: FieldName) => (event: React.ChangeEvent<HTMLInputElement>) =>
    setValues((v) => ({ ...v, [field]: event.target.value }));
  const blur = (field: FieldName) => () => setTouched((t) => ({ ...t, [field]: true }));

  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setTouched({ username: true, password: true, confirm: true });
    if (errors.username || errors.password || errors.confirm) return;
    // The route redirects once the session query holds the new account.
    register.mutate({ username: values.username.trim(), password: values.password });
  };

  return (
    <form className="auth-form" onSubmit={onSubmit} noValidate aria-label="Create an account">
      <TextField
        label="Username"
        name="username"
        autoComplete="username"
        value={values.username}
        onChange={set('username')}
        onBlur={blur('username')}
        hint="3 to 32 letters, digits, '_', '.' or '-'."
        error={shown('username') ?? (conflict ? 'That username is taken; try another.' : null)}
        autoFocus
      />
      <TextField
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        value={values.password}
        onChange={set('password')}
        onBlur={blur('password')}
        hint={`At least ${PASSWORD_MIN} characters; a short sentence works well.`}
        error={shown('password')}
      />
      <TextField
        label="Confirm password"
        name="confirm"
        type="password"
        autoComplete="new-password"
        value={values.confirm}
        onChange={set('confirm')}
        onBlur={blur('confirm')}
        error={shown('confirm')}
      />
      {!conflict && <InlineError error={register.error} />}
      <Button type="submit" variant="primary" disabled={register.isPending}>
        {register.isPending ? 'Creating your account…' : 'Create account'}
      </Button>
      <p className="auth-form__alt">
        Already have an account? <Link to={paths.login}>Log in</Link>
      </p>
    </form>
  );
}
