"""Authentication: password hashing, server-side sessions, CSRF, login throttling, dependencies."""
