import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { beforeEach, describe, expect, it } from 'vitest';

import { ME } from '@/testing/fixtures';
import { mockApi, type MockApi } from '@/testing/mock-api';
import { renderWithApp } from '@/testing/render';

import { LoginForm } from './login-form';
import { RegisterForm } from './register-form';

let server: MockApi;

beforeEach(() => {
  server = mockApi();
  server.on('GET', '/api/auth/csrf', () => ({ body: { token: 'fresh-token' } }));
});

describe('RegisterForm', () => {
  it('explains each rule as the person leaves a field', async () => {
    const user = userEvent.setup();
    renderWithApp(<RegisterForm />);
    await user.type(screen.getByLabelText('Username'), 'ab');
    await user.tab();
    expect(screen.getByText('Use 3 to 32 characters.')).toBeInTheDocument();
    expect(screen.getByLabelText('Username')).toHaveAttribute('aria-invalid', 'true');

    await user.type(screen.getByLabelText('Password'), 'short');
    await user.tab();
    expect(screen.getByText('Use at least 10 characters.')).toBeInTheDocument();

    await user.type(screen.getByLabelText('Confirm password'), 'different');
    await user.tab();
    expect(screen.getByText('The passwords do not match.')).toBeInTheDocument();
  });

  it('does not call the server while a field is invalid', async () => {
    const user = userEvent.setup();
    renderWithApp(<RegisterForm />);
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(screen.getByText('Enter a username.')).toBeInTheDocument();
    expect(screen.getByText('Enter a password.')).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/auth/register')).toHaveLength(0);
  });

  it('rejects a password that contains the username', async () => {
    const user = userEvent.setup();
    renderWithApp(<RegisterForm />);
    await user.type(screen.getByLabelText('Username'), 'harbor');
    await user.type(screen.getByLabelText('Password'), 'myharbor-rocks');
    await user.tab();
    expect(screen.getByText('The password must not contain your username.')).toBeInTheDocument();
  });

  it('sends valid details with the CSRF token and shows a taken username', async () => {
    const user = userEvent.setup();
    server.on('POST', '/api/auth/register', () => ({ status: 409, body: { detail: 'username is not available' } }));
    renderWithApp(<RegisterForm />);
    await user.type(screen.getByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'lovelace-engine-1843');
    await user.type(screen.getByLabelText('Confirm password'), 'lovelace-engine-1843');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    expect(await screen.findByText('That username is taken; try another.')).toBeInTheDocument();
    const [call] = server.callsTo('POST', '/api/auth/register');
    expect(call?.body).toEqual({ username: 'ada', password: 'lovelace-engine-1843' });
    expect(call?.headers.get('X-CSRF-Token')).toBe('fresh-token');
  });

  it('signs the person in on success', async () => {
    const user = userEvent.setup();
    server.on('POST', '/api/auth/register', () => ({ status: 201, body: ME }));
    const { client } = renderWithApp(<RegisterForm />);
    await user.type(screen.getByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'lovelace-engine-1843');
    await user.type(screen.getByLabelText('Confirm password'), 'lovelace-engine-1843');
    await user.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(client.getQueryData(['me'])).toEqual(ME));
  });
});

describe('LoginForm', () => {
  it('asks for both fields before sending', async () => {
    const user = userEvent.setup();
    renderWithApp(<LoginForm />);
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(screen.getByText('Enter your username.')).toBeInTheDocument();
    expect(screen.getByText('Enter your password.')).toBeInTheDocument();
    expect(server.callsTo('POST', '/api/auth/login')).toHaveLength(0);
  });

  it("shows the server's reason when the login fails", async () => {
    const user = userEvent.setup();
    server.on('POST', '/api/auth/login', () => ({ status: 401, body: { detail: 'wrong username or password' } }));
    renderWithApp(<LoginForm />);
    await user.type(screen.getByLabelText('Username'), 'ada');
    await user.type(screen.getByLabelText('Password'), 'not-the-password');
    await user.click(screen.getByRole('button', { name: 'Log in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Wrong username or password');
  });
});
