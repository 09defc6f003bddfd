"""The receipt-signing key: an Ed25519 private JWK in a file, its public half published from the database.

The private key is read from RECEIPT_KEY_FILE (env ASKISO_RECEIPT_KEY_FILE;
by default `receipt-signing-key.jwk` in the instance folder), made there on
first use like the secret key. Every key that ever signed is recorded in
`receipt_keys`, which /.well-known/jwks.json publishes, so every host serves
the same key set and retired keys stay verifiable. docs/receipts.md says how
several hosts share the file.
"""

import json
import os
import warnings
from pathlib import Path

from flask import current_app
from joserfc.errors import SecurityWarning
from joserfc.jwk import OKPKey
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.receipts.models import ReceiptKey

# RFC 8037's name, which every JOSE library knows (PyJWT knows no other). RFC 9864
# names the same algorithm "Ed25519" and joserfc warns about the older name.
ALGORITHM = "EdDSA"
warnings.filterwarnings("ignore", message="EdDSA is deprecated", category=SecurityWarning)

_loaded = {}  # path -> (mtime_ns, key): re-read when the file changes (a rotation on another host)


class KeyFileError(Exception):
    """The key file cannot be read or written."""


def key_path():
    return Path(current_app.config["RECEIPT_KEY_FILE"])


def new_key():
    """A fresh Ed25519 private key whose kid is its RFC 7638 thumbprint."""
    key = OKPKey.generate_key("Ed25519", private=True)
    return OKPKey.import_key(key.as_dict(private=True), {"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM})


def _write_new(path, key, replace=False):
    """Write the key file atomically (0600); without `replace`, the first writer wins a race."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(key.as_dict(private=True), handle)
    try:
        if replace:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails when another process made the file meanwhile
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)


def signing_key():
    """The private key this host signs with, made on first use."""
    path = key_path()
    try:
        if not path.exists():
            _write_new(path, new_key())
        mtime = path.stat().st_mtime_ns
        cached = _loaded.get(str(path))
        if cached is not None and cached[0] == mtime:
            return cached[1]
        data = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise KeyFileError(f"cannot use the receipt key file {path}: {exc}") from exc
    key = OKPKey.import_key(data, {"use": "sig", "alg": ALGORITHM})
    if not key.kid:
        key = OKPKey.import_key(data, {"kid": key.thumbprint(), "use": "sig", "alg": ALGORITHM})
    _loaded[str(path)] = (mtime, key)
    return key


def public_jwk(key):
    """The public half as a JWK dict (kty, crv, x, kid, use, alg)."""
    return {**key.as_dict(private=False), "kid": key.kid, "use": "sig", "alg": ALGORITHM}


def ensure_published(key):
    """Record the key's public half in receipt_keys (once, also when hosts race)."""
    if db.session.get(ReceiptKey, key.kid) is not None:
        return
    try:
        with db.session.begin_nested():
            db.session.add(ReceiptKey(kid=key.kid, public_jwk=public_jwk(key), created_at=utcnow()))
    except IntegrityError:
        pass  # another request published it first


def rotate():
    """Make a new signing key, publish it, and retire every older one. Returns the new key."""
    key = new_key()
    now = utcnow()
    db.session.execute(update(ReceiptKey).where(ReceiptKey.retired_at.is_(None)).values(retired_at=now))
    db.session.add(ReceiptKey(kid=key.kid, public_jwk=public_jwk(key), created_at=now))
    db.session.flush()
    try:
        _write_new(key_path(), key, replace=True)
    except OSError as exc:
        raise KeyFileError(f"cannot write the receipt key file {key_path()}: {exc}") from exc
    return key


def published_keys():
    """Every published key, newest first."""
    return list(db.session.scalars(select(ReceiptKey).order_by(ReceiptKey.created_at.desc(), ReceiptKey.kid)))


def jwks():
    """The JWK Set of /.well-known/jwks.json: current and retired public keys."""
    return {"keys": [row.public_jwk for row in published_keys()]}
