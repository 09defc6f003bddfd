"""Which optional notifications a person gets (User.notification_prefs).

Receipts and account-security mail are not optional. Replies and status
changes are on unless switched off; the External Manager's copy of every case
email of their company is off unless switched on. The notices of
askiso/notifications (in the app and by email, one choice per channel and
kind, "app:KIND" / "email:KIND") are on unless switched off.
"""

from sqlalchemy import select

from askiso.audit.services import record
from askiso.cams.models import Membership
from askiso.notifications.kinds import PREFERENCE_OPTIONS, preference_keys_for

OPTIONS = {
    "case_replies": ("Replies from Participant Support on my cases", True),
    "status_changes": ("Status changes of my cases (waiting for me, resolved, closed)", True),
    "company_cases": ("Every case email of the companies where I am External Manager", False),
    **PREFERENCE_OPTIONS,
}


def wants(user, key):
    """True when this person gets the optional notification `key`."""
    label_default = OPTIONS[key]
    prefs = user.notification_prefs or {}
    value = prefs.get(key)
    return label_default[1] if value is None else bool(value)


def is_external_manager(user):
    """Holds an active External Manager membership somewhere."""
    from askiso.extensions import db

    return (
        db.session.scalar(
            select(Membership.id).where(
                Membership.user_id == user.id,
                Membership.is_active.is_(True),
                Membership.is_external_manager.is_(True),
            )
        )
        is not None
    )


def options_for(user):
    """The choices shown to this person: (key, label, current value)."""
    keys = ["case_replies", "status_changes"]
    if not user.is_staff and is_external_manager(user):
        keys.append("company_cases")
    keys += preference_keys_for(user)
    return [(key, OPTIONS[key][0], wants(user, key)) for key in keys]


def save_preferences(user, chosen):
    """Store the person's choices; `chosen` is the set of keys switched on."""
    offered = [key for key, _, _ in options_for(user)]
    prefs = dict(user.notification_prefs or {})
    for key in offered:
        prefs[key] = key in chosen
    if prefs != (user.notification_prefs or {}):
        user.notification_prefs = prefs  # a new dict, so the JSON column sees the change
        record("account.notifications_changed", user, subject_user=user, prefs=prefs)
    return prefs
