"""The demo data set. Each feature adds its part through a loader function.

Every loader is idempotent: it looks things up by a natural key before
creating them, so `flask demo load` can run any number of times.
"""

from askiso.auth.models import user_by_email
from askiso.auth.passwords import hash_password
from askiso.auth.services import create_user
from askiso.extensions import db

DEMO_PASSWORD = "demo-password-2026"

STAFF = [
    ("admin@askiso.test", "Avery Admin", "admin"),
    ("supervisor@askiso.test", "Sam Supervisor", "supervisor"),
    ("agent@askiso.test", "Alex Agent", "agent"),
    ("agent2@askiso.test", "Morgan Agent", "agent"),
]


def ensure_user(email, name, staff_role=None, password=DEMO_PASSWORD):
    """The demo account for this email, created once."""
    user = user_by_email(email)
    if user is None:
        user = create_user(email, name, staff_role=staff_role)
        user.password_hash = hash_password(password)
    return user


def load_staff():
    return [ensure_user(email, name, role) for email, name, role in STAFF]


from askiso.cases.catalog import seed_catalog  # noqa: E402

LOADERS = [seed_catalog, load_staff]


def load_demo():
    """Run every feature's loader in order and commit once."""
    for loader in LOADERS:
        loader()
        db.session.flush()
    db.session.commit()
    return [
        "Demo data loaded. Every demo account's password is: " + DEMO_PASSWORD,
        *(f"  {email:32} {role}" for email, _, role in STAFF),
    ]
