/** The account rules the server enforces, checked as the person types so errors come early. */

export const USERNAME_MIN = 3;
export const USERNAME_MAX = 32;
export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 256;
const USERNAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]*[A-Za-z0-9])?$/;

export function usernameError(raw: string): string | null {
  const name = raw.trim();
  if (!name) return 'Enter a username.';
  if (name.length < USERNAME_MIN || name.length > USERNAME_MAX) {
    return `Use ${USERNAME_MIN} to ${USERNAME_MAX} characters.`;
  }
  if (!USERNAME.test(name)) {
    return "Use letters a-z, digits, '_', '.' or '-', starting and ending with a letter or digit.";
  }
  return null;
}

export function passwordError(password: string, username: string): string | null {
  if (!password) return 'Enter a password.';
  if (password.length < PASSWORD_MIN) return `Use at least ${PASSWORD_MIN} characters.`;
  if (password.length > PASSWORD_MAX) return `Use at most ${PASSWORD_MAX} characters.`;
  if (new Set(password).size <= 2) return 'This password is too repetitive.';
  const name = username.trim().toLowerCase();
  if (name.length >= USERNAME_MIN && password.toLowerCase().includes(name)) {
    return 'The password must not contain your username.';
  }
  return null;
}

export function confirmError(password: string, confirm: string): string | null {
  if (!confirm) return 'Type the password again.';
  return password === confirm ? null : 'The passwords do not match.';
}
