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
    """Participants, an SA, an External Manager and a plain member in each (idempotent)."""
    from askiso.cams.models import Membership, Participant

    by_code = {}
    for code, name, status in PARTICIPANTS:
        participant = db.session.scalar(db.select(Participant).where(Participant.code == code))
        if participant is None:
            participant = Participant(code=code, name=name, status=status)
            db.session.add(participant)
            db.session.flush()
        by_code[code] = participant
    for email, name, code, roles in MEMBERS:
        user = ensure_user(email, name)
        db.session.flush()
        exists = db.session.scalar(db.select(Membership.id).where(
            Membership.user_id == user.id, Membership.participant_id == by_code[code].id,
            Membership.is_active.is_(True)))
        if exists is None:
            db.session.add(Membership(
                user_id=user.id, participant_id=by_code[code].id,
                is_external_manager="external_manager" in roles, is_security_admin="security_admin" in roles))
    for email, name in NON_PARTICIPANTS:
        ensure_user(email, name)


from askiso.cases.catalog import seed_catalog  # noqa: E402
from askiso.cases.demo import load_cases  # noqa: E402
from askiso.obligations.demo import load_obligations  # noqa: E402
from askiso.staff.demo import load_staff_workspace  # noqa: E402

LOADERS = [seed_catalog, load_staff, load_participants, load_cases, load_staff_workspace, load_obligations]


def load_demo():
    """Run every feature's loader in order and commit once."""
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
    lines = ["Demo data loaded. Every demo account's password is: " + DEMO_PASSWORD]
    lines += [f"  {email:36} staff {role} (turns on two-factor at first sign-in)" for email, _, role in STAFF]
    lines += [f"  {email:36} {'; '.join(r)}" for email, r in roles.items()]
    lines += [f"  {email:36} no participant (general inquiries)" for email, _ in NON_PARTICIPANTS]
    if current_app.config.get("MAIL_SERVER"):
        lines.append(f"Mail is sent through {current_app.config['MAIL_SERVER']}.")
    else:
        folder = current_app.config["MAIL_CAPTURE_DIR"]
        lines.append(f"Captured mail: {current_app.config['EXTERNAL_URL']}/dev/mail/ (files in {folder})")
    return lines
