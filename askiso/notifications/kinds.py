"""The kinds of notice, who may choose them, and the preference keys of each channel.

Every kind is on by default, in the app and by email; a person switches each
channel of each kind off in their account's notification settings (stored in
User.notification_prefs as "app:KIND" and "email:KIND"). The kinds that tell
participants of what Participant Support did have no email channel of their
own: that email is the case email they already get (askiso/mail/notify.py,
"case_replies" and "status_changes"), so one event never sends two.
"""

from typing import NamedTuple

CHANNELS = ("app", "email")


class Kind(NamedTuple):
    label: str  # as the settings page offers it
    for_staff: bool  # staff kinds, or the participants' ones
    channels: tuple = CHANNELS


KINDS = {
    "new_case": Kind("A new case arrives in a queue I belong to", True),
    "participant_reply": Kind(
        "A participant replies on a case assigned to me, or on an unassigned case of my queue", True
    ),
    "assigned": Kind("A case is assigned to me", True),
    "service_level": Kind("A service level is about to be missed, or was missed, on my cases", True),
    "mention": Kind("Someone mentions me in an internal note", True),
    "colleague_reply": Kind("A colleague replies on a case I submitted or am a contact on", False),
    "support_reply": Kind("ISO support replies on a case I submitted or am a contact on", False, ("app",)),
    "support_status": Kind(
        "ISO support is waiting for our answer, or resolved a case I submitted or am a contact on", False, ("app",)
    ),
}


def preference_key(channel, kind):
    return f"{channel}:{kind}"


def kinds_for(user):
    """The kinds this person may get: staff get the staff kinds, others the participants' ones."""
    return [key for key, kind in KINDS.items() if kind.for_staff == bool(user.is_staff)]


def has_channel(kind, channel):
    return channel in KINDS[kind].channels


def preference_keys_for(user):
    """The notice preference keys this person chooses among, kind by kind."""
    return [preference_key(channel, kind) for kind in kinds_for(user) for channel in KINDS[kind].channels]


# For askiso/mail/preferences.py: every channel of every kind, on unless switched off.
PREFERENCE_OPTIONS = {
    preference_key(channel, key): (f"{kind.label} ({'in Ask ISO' if channel == 'app' else 'by email'})", True)
    for key, kind in KINDS.items()
    for channel in kind.channels
}
