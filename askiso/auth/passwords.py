"""Password hashing (argon2id) and the password policy (NIST SP 800-63B)."""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app

MIN_LENGTH = 12
MAX_LENGTH = 128

_hashers = {}
# Verified against when the email is unknown, so both paths cost the same.
_DUMMY_PASSWORD = "not-a-real-password-used-for-timing-only"


def hasher():
    """The configured argon2id hasher (argon2-cffi defaults unless overridden)."""
    params = current_app.config.get("ARGON2_PARAMS") or {}
    key = tuple(sorted(params.items()))
    if key not in _hashers:
        _hashers[key] = PasswordHasher(**params)
    return _hashers[key]


def hash_password(password):
    return hasher().hash(password)


def verify_password(user, password):
    """Check a password; rehash when the parameters changed. Constant-ish time."""
    ph = hasher()
    stored = user.password_hash if user is not None else None
    if not stored:
        _burn(ph, password)
        return False
    try:
        ph.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False
    if ph.check_needs_rehash(stored):
        user.password_hash = ph.hash(password)
    return True


def _burn(ph, password):
    key = id(ph)
    if key not in _dummy_hashes:
        _dummy_hashes[key] = ph.hash(_DUMMY_PASSWORD)
    try:
        ph.verify(_dummy_hashes[key], password)
    except (VerificationError, InvalidHashError):
        pass


_dummy_hashes = {}
