"""Authentication: accounts, sign-in, two-factor, sessions."""
