"""Random tokens that are shown once and stored only as a hash."""

import hashlib
import hmac
import secrets


def new_token(nbytes=32):
    """A URL-safe random token (256 bits by default)."""
    return secrets.token_urlsafe(nbytes)


def hash_token(token):
    """The stored form of a token: its SHA-256 hex digest."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def tokens_equal(a, b):
    return hmac.compare_digest(a, b)
