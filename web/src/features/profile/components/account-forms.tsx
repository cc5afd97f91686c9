/** Change the password; delete the account (password confirmed). */

import { useState, type ReactElement, type SubmitEvent } from 'react';

import { Button } from '@/components/ui/button';
import { TextField } from '@/components/ui/field';
import { InlineError } from '@/components/ui/states';

import { useChangePassword, useDeleteAccount } from '../api/use-account';

export function PasswordForm(): ReactElement {
  const change = useChangePassword();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const nextError = submitted && next.length < 10 ? 'Use at least 10 characters.' : null;
  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    setSubmitted(true);
    if (!current || next.length < 10) return;
    change.mutate(
      { current_password: current, new_password: next },
      {
        onSuccess: () => {
          setCurrent('');
          setNext('');
          setSubmitted(false);
        },
      },
    );
  };
  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-label="Change password">
      <TextField
        label="Current password"
        type="password"
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
        error={submitted && !current ? 'Enter your current password.' : null}
      />
      <TextField
        label="New password"
        type="password"
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
        error={nextError}
      />
      <InlineError error={change.error} />
      <div>
        <Button type="submit" disabled={change.isPending}>
          Change password
        </Button>
      </div>
    </form>
  );
}

export function DeleteAccount({ onDeleted }: { onDeleted: () => void }): ReactElement {
  const remove = useDeleteAccount();
  const [open, setOpen] = useState(false);
  const [password, setPassword] = useState('');
  if (!open) {
    return (
      <div>
        <Button variant="danger" onClick={() => setOpen(true)}>
          Delete my account…
        </Button>
      </div>
    );
  }
  const onSubmit = (event: SubmitEvent<HTMLFormElement>): void => {
    event.preventDefault();
    if (password) remove.mutate(password, { onSuccess: onDeleted });
  };
  return (
    <form className="stack danger-zone" onSubmit={onSubmit} aria-label="Delete account">
      <p>
        This deletes your account, favorites, collections and history for good. Enter your password to
        confirm.
      </p>
      <TextField
        label="Password"
        type="password"
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
        autoFocus
      />
      <InlineError error={remove.error} />
      <div className="row">
        <Button type="submit" variant="danger" disabled={!password || remove.isPending}>
          Delete forever
        </Button>
        <Button variant="ghost" onClick={() => setOpen(false)}>
          Keep my account
        </Button>
      </div>
    </form>
  );
}
