"""Builders for test data. Passwords are real hashes (cheap argon2 parameters)."""

from types import SimpleNamespace

import pyotp

from askiso.auth.passwords import hash_password
from askiso.auth.services import create_user
from askiso.cams.models import Membership, Participant
from askiso.core.timeutil import utcnow
from askiso.extensions import db

PASSWORD = "tangerine-oboe-mosaic-42"
_HASH_CACHE = {}


def password_hash(password=PASSWORD):
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    return _HASH_CACHE[password]


def make_user(email, name=None, staff_role=None, password=PASSWORD, totp=None):
    """An active account; staff get two-factor on unless totp=False."""
    user = create_user(email, name or email.split("@")[0].replace(".", " ").title(), staff_role=staff_role)
    user.password_hash = password_hash(password) if password else None
    if totp or (totp is None and staff_role):
        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = utcnow()
    db.session.flush()
    return user


def make_participant(name, code, status="active"):
    participant = Participant(name=name, code=code, status=status)
    db.session.add(participant)
    db.session.flush()
    return participant


def add_member(user, participant, *, external_manager=False, security_admin=False, active=True):
    membership = Membership(
        user_id=user.id,
        participant_id=participant.id,
        is_external_manager=external_manager,
        is_security_admin=security_admin,
        is_active=active,
        ended_at=None if active else utcnow(),
    )
    db.session.add(membership)
    db.session.flush()
    return membership


def make_people():
    """The standard cast (see tests/conftest.py: people)."""
    p = SimpleNamespace()
    p.alpha = make_participant("Alpha Power LLC", "ALPHA")
    p.beta = make_participant("Beta Energy Trading", "BETA")
    p.alpha_user = make_user("ann.user@alpha.test", "Ann User")
    p.alpha_colleague = make_user("carl.colleague@alpha.test", "Carl Colleague")
    p.alpha_manager = make_user("meg.manager@alpha.test", "Meg Manager")
    p.alpha_sa = make_user("sara.admin@alpha.test", "Sara Admin")
    p.beta_user = make_user("bob.user@beta.test", "Bob User")
    p.beta_manager = make_user("max.manager@beta.test", "Max Manager")
    p.beta_sa = make_user("sam.admin@beta.test", "Sam Admin")
    p.both = make_user("dana.both@consult.test", "Dana Both")
    p.former = make_user("fay.former@alpha.test", "Fay Former")
    p.outsider = make_user("nora.nonpart@example.test", "Nora Nonpart")
    p.agent = make_user("agent@iso.test", "Alex Agent", staff_role="agent")
    p.supervisor = make_user("supervisor@iso.test", "Sam Supervisor", staff_role="supervisor")
    p.admin = make_user("admin@iso.test", "Avery Admin", staff_role="admin")
    add_member(p.alpha_user, p.alpha)
    add_member(p.alpha_colleague, p.alpha)
    add_member(p.alpha_manager, p.alpha, external_manager=True)
    add_member(p.alpha_sa, p.alpha, security_admin=True)
    add_member(p.beta_user, p.beta)
    add_member(p.beta_manager, p.beta, external_manager=True)
    add_member(p.beta_sa, p.beta, security_admin=True)
    add_member(p.both, p.alpha)
    add_member(p.both, p.beta)
    add_member(p.former, p.alpha, active=False)
    db.session.commit()
    return p
