"""The demo data set. Each feature adds its part through a loader function.

The demo only ever adds, and each thing once: a loader creates a row the first
time it runs on a database where that row does not exist, and writes it down in
the seeded_rows ledger (askiso/core/seeding.py, `first_time`). Whatever people
did afterwards stays: an ended membership is not granted again, a password,
role, preference or case is not reset, a canned response or holiday deleted
or a queue member removed does not come back. The catalogue is not the demo's:
it comes with the migrations.
"""

from sqlalchemy import select

from askiso.auth.models import user_by_email
from askiso.auth.passwords import hash_password
from askiso.auth.services import create_user
from askiso.core.seeding import first_time
from askiso.extensions import db

DEMO_PASSWORD = "demo-password-2026"

STAFF = [
    ("admin@askiso.test", "Avery Admin", "admin"),
    ("supervisor@askiso.test", "Sam Supervisor", "supervisor"),
    ("agent@askiso.test", "Alex Agent", "agent"),
    ("agent2@askiso.test", "Morgan Agent", "agent"),
]


def ensure_user(email, name, staff_role=None, password=DEMO_PASSWORD):
    """The account for this email, which the demo creates the first time only (None when it was
    created once and is gone: its email was changed)."""
    user = user_by_email(email)
    if first_time(db.session, "users", email.lower(), exists=user is not None):
        user = create_user(email, name, staff_role=staff_role)
        user.password_hash = hash_password(password)
        db.session.flush()
    return user


def load_staff():
    return [ensure_user(email, name, role) for email, name, role in STAFF]



# CAMS demo: (code, name, status) and members (email, name, code, roles).
PARTICIPANTS = [
    ("GSP", "Granite State Power LLC", "active"),
    ("NET", "Nutmeg Energy Trading", "active"),
    ("BSG", "Bay State Generation", "active"),
    ("PVH", "Pioneer Valley Hydro", "suspended"),
]
MEMBERS = [
    ("olivia.sa@granitestate.test", "Olivia Sanders", "GSP", ("security_admin",)),
    ("ethan.manager@granitestate.test", "Ethan Marsh", "GSP", ("external_manager",)),
    ("grace.user@granitestate.test", "Grace Ulrich", "GSP", ()),
    ("nina.sa@nutmeg.test", "Nina Salazar", "NET", ("security_admin",)),
    ("liam.manager@nutmeg.test", "Liam Moreau", "NET", ("external_manager",)),
    ("henry.user@nutmeg.test", "Henry Underwood", "NET", ()),
    ("bianca.sa@baystate.test", "Bianca Stone", "BSG", ("security_admin",)),
    ("owen.manager@baystate.test", "Owen Mercer", "BSG", ("external_manager",)),
    ("ruth.user@baystate.test", "Ruth Upton", "BSG", ()),
    ("paul.sa@pioneervalley.test", "Paul Sawyer", "PVH", ("security_admin",)),
    ("chris.consultant@gridconsult.test", "Chris Consultant", "GSP", ()),
    ("chris.consultant@gridconsult.test", "Chris Consultant", "NET", ()),
]
NON_PARTICIPANTS = [("pat.public@example.test", "Pat Public")]


def load_participants():
    """Participants, an SA, an External Manager and a plain member in each (each added once)."""
    by_code = {code: _ensure_participant(code, name, status) for code, name, status in PARTICIPANTS}
    for email, name, code, roles in MEMBERS:
        user = ensure_user(email, name)
        if user is not None and by_code[code] is not None:
            _ensure_membership(user, by_code[code], roles)
    for email, name in NON_PARTICIPANTS:
        ensure_user(email, name)


def _ensure_participant(code, name, status):
    from askiso.cams.models import Participant

    participant = db.session.scalar(select(Participant).where(Participant.code == code))
    if first_time(db.session, "participants", code, exists=participant is not None):
        participant = Participant(code=code, name=name, status=status)
        db.session.add(participant)
        db.session.flush()
    return participant


def _ensure_membership(user, participant, roles):
    """The demo membership, granted once: one that was ended (or any of this pair) stays as it is."""
    from askiso.cams.models import Membership

    exists = db.session.scalar(select(Membership.id).where(
        Membership.user_id == user.id, Membership.participant_id == participant.id).limit(1))
    if first_time(db.session, "memberships", f"{user.email.lower()}|{participant.code}", exists=exists is not None):
        db.session.add(Membership(
            user_id=user.id, participant_id=participant.id,
            is_external_manager="external_manager" in roles, is_security_admin="security_admin" in roles))
        db.session.flush()


from askiso.cases.demo import load_cases  # noqa: E402
from askiso.demo.history import load_history  # noqa: E402
from askiso.obligations.demo import load_obligations  # noqa: E402
from askiso.staff.demo import load_staff_workspace  # noqa: E402

# The history goes before the story cases, so that case numbers follow the received times.
LOADERS = [load_staff, load_participants, load_history, load_cases, load_staff_workspace, load_obligations]


def has_accounts():
    """Whether the database has any account (then `make run` leaves it alone)."""
    from askiso.auth.models import User

    return db.session.scalar(select(User.id).limit(1)) is not None


def load_demo():
    """Run every feature's loader in order (each adds what it never added before) and commit once."""
    for loader in LOADERS:
        loader()
        db.session.flush()
    db.session.commit()
    return summary()


def summary():
    """The lines `flask demo load` prints: every demo account and where mail goes."""
    from flask import current_app

    roles = {}
    for email, _, code, member_roles in MEMBERS:
        label = ", ".join(r.replace("_", " ") for r in member_roles) or "member"
        roles.setdefault(email, []).append(f"{label} of {code}")
    lines = ["Demo data loaded (what was missing; nothing changed since was touched). "
             "Every demo account's password is: " + DEMO_PASSWORD]
    lines += [f"  {email:36} staff {role} (turns on two-factor at first sign-in)" for email, _, role in STAFF]
    lines += [f"  {email:36} {'; '.join(r)}" for email, r in roles.items()]
    lines += [f"  {email:36} no participant (general inquiries)" for email, _ in NON_PARTICIPANTS]
    if current_app.config.get("MAIL_SERVER"):
        lines.append(f"Mail is sent through {current_app.config['MAIL_SERVER']}.")
    else:
        folder = current_app.config["MAIL_CAPTURE_DIR"]
        lines.append(f"Captured mail: {current_app.config['EXTERNAL_URL']}/dev/mail/ (files in {folder})")
    return lines
