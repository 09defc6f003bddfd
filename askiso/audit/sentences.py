"""Audit events as sentences people read: "Alex Agent assigned the case to Morgan Agent".

The one place that turns an AuditEvent into words, used by the case history
(askiso/staff/views_case.py) and the audit log (askiso/audit/routes.py). Ids in
the details (assignee, queue, topic) become names, read for a whole page at
once (at most one statement each for users, queues and topics, whatever the
number of events); the user-agent string becomes "Firefox 128 on Windows 10".
No action key and no JSON reaches the page.
"""

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select

from askiso.auth.devices import describe_user_agent
from askiso.auth.models import User
from askiso.cases.models import STATUS_LABELS, Queue, Topic
from askiso.extensions import db

SYSTEM = "Ask ISO"

# action -> sentence; {actor}, {subject}, {participant} and {number} are filled in.
SENTENCES = {
    "case.created": "{actor} filed the case",
    "case.replied": "{actor} replied publicly",
    "case.note_added": "{actor} added an internal note",
    "case.status_changed": "{actor} changed the status",
    "case.updated": "{actor} updated the case",
    "case.contact_added": "{actor} added {subject} as a contact",
    "case.contact_removed": "{actor} removed {subject} as a contact",
    "case.merged": "{actor} merged the case into another",
    "case.merged_from": "{actor} merged another case into this one",
    "auth.login": "{actor} signed in",
    "auth.login_failed": "A sign-in failed",
    "auth.logout": "{actor} signed out",
    "auth.totp_failed": "{actor} entered a wrong two-factor code",
    "auth.totp_enabled": "{actor} turned on two-factor authentication",
    "auth.totp_disabled": "{actor} turned off two-factor authentication",
    "auth.totp_disable_failed": "{actor} tried to turn off two-factor authentication and was refused",
    "auth.password_changed": "{actor} changed their password",
    "auth.password_change_failed": "{actor} tried to change their password and was refused",
    "auth.password_reset": "{actor} reset their password from an emailed link",
    "auth.password_set": "{actor} set their password from an emailed link",
    "auth.password_reset_requested": "Someone asked for a password-reset link",
    "auth.set_password_sent": "{actor} sent {subject} a link to set a password",
    "auth.email_change_requested": "{actor} asked to change their email address",
    "auth.email_changed": "{actor} changed their email address",
    "auth.email_change_failed": "{actor} tried to change their email address and was refused",
    "auth.recovery_codes_regenerated": "{actor} made new recovery codes",
    "auth.recovery_codes_failed": "{actor} tried to make new recovery codes and was refused",
    "auth.other_sessions_ended": "{actor} signed out their other sessions",
    "auth.session_ended": "{actor} signed out one of their sessions",
    "account.profile_changed": "{actor} changed their profile",
    "account.notifications_changed": "{actor} changed their email preferences",
    "api.token_created": "{actor} created an API token for {subject}",
    "api.token_revoked": "{actor} revoked an API token of {subject}",
    "users.created": "{actor} created the account of {subject}",
    "users.deactivated": "{actor} deactivated the account of {subject}",
    "users.reactivated": "{actor} reactivated the account of {subject}",
    "cams.member_added": "{actor} added {subject} to {participant}",
    "cams.member_removed": "{actor} ended the membership of {subject} in {participant}",
    "cams.member_add_refused": "{actor} could not add someone to {participant}",
    "cams.role_granted": "{actor} changed the roles of {subject} in {participant}",
    "cams.participant_created": "{actor} created the participant {participant}",
    "cams.participant_updated": "{actor} changed the participant {participant}",
    "cams.participant_status_changed": "{actor} changed the status of {participant}",
    "staff.account_created": "{actor} created the staff account of {subject}",
    "staff.role_changed": "{actor} changed the staff role of {subject}",
    "staff.queue_created": "{actor} created a queue",
    "staff.queue_members_changed": "{actor} changed the members of a queue",
    "staff.request_type_created": "{actor} created a request type",
    "staff.canned_created": "{actor} created a canned response",
    "staff.canned_deleted": "{actor} deleted a canned response",
    "staff.holiday_added": "{actor} added a holiday",
    "staff.holiday_removed": "{actor} removed a holiday",
    "staff.service_levels_changed": "{actor} changed the service-level targets",
    "mail.retry": "{actor} sent a failed email again",
    "mail.retry_failed": "{actor} sent the failed emails again",
    "mail.inbound_downloaded": "{actor} downloaded a received email",
    "mail.inbound_reprocessed": "{actor} handled a received email again",
    "retention.purged": "Old records were removed under the retention policy",
}

# detail key -> how its label reads
LABELS = {
    "before": "Before",
    "after": "After",
    "reason": "Reason",
    "email": "Email address",
    "new_email": "New address",
    "method": "Method",
    "via": "Through",
    "source": "From",
    "number": "Case",
    "into": "Into",
    "messages": "Messages",
    "files": "Files",
    "known": "Known account",
    "api_tokens_revoked": "API tokens ended",
    "staff_role": "Staff role",
    "assignee_id": "Assignee",
    "queue_id": "Queue",
    "topic_id": "Topic",
    "priority": "Priority",
    "status": "Status",
}
# the details shown already by the sentence or its case link, or meaningless to a reader
_HIDDEN = frozenset({"message_id", "changes", "session_id", "token_id", "outbox_id", "inbound_id", "number"})
_WORDS = {"web": "the website", "api": "the API", "email": "email", "cli": "the command line",
          "password": "password", "recovery_code": "recovery code", "totp": "two-factor code"}


@dataclass
class Sentence:
    """One event as a reader sees it."""

    at: datetime
    actor: str
    text: str
    details: list = field(default_factory=list)  # "Priority: Normal → High", ...
    device: str = ""  # "Firefox 128 on Windows 10"
    address: str = ""
    case_number: str = ""
    action: str = ""  # kept for filtering and tests, never shown


class _Names:
    """The names behind the ids of a page of events, read once."""

    def __init__(self, events):
        wanted = {"assignee_id": set(), "queue_id": set(), "topic_id": set()}
        for event in events:
            for key, pair in _changes(event).items():
                if key in wanted:
                    wanted[key].update(v for v in pair if isinstance(v, int))
        self.users = _lookup(User.id, User.name, wanted["assignee_id"])
        self.queues = _lookup(Queue.id, Queue.name, wanted["queue_id"])
        self.topics = _lookup(Topic.id, Topic.name, wanted["topic_id"])

    def value(self, key, value):
        if value is None:
            return {"assignee_id": "Unassigned"}.get(key, "none")
        table = {"assignee_id": self.users, "queue_id": self.queues, "topic_id": self.topics}.get(key)
        if table is not None:
            return table.get(value, f"a removed {LABELS[key].lower()}")
        if key == "status":
            return STATUS_LABELS.get(value, _plain(value))
        if key == "priority":
            return str(value).capitalize()
        return _plain(value)


def _lookup(id_column, name_column, ids):
    if not ids:
        return {}
    return dict(db.session.execute(select(id_column, name_column).where(id_column.in_(sorted(ids)))).all())


def _changes(event):
    changes = (event.details or {}).get("changes") if event.action == "case.updated" else None
    return changes if isinstance(changes, dict) else {}


def _plain(value):
    """A detail value as words (never JSON)."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if value is None or value == "":
        return "none"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(_plain(v) for v in value) or "none"
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)} {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    text = str(value)
    return _WORDS.get(text, text)


def _label(key):
    return LABELS.get(key) or key.replace("_", " ").capitalize()


def _fallback(action):
    """'staff.macro_created' -> '{actor}: macro created' for an action this module does not know yet."""
    words = action.rsplit(".", 1)[-1].replace("_", " ")
    return "{actor}: " + words


def _person(user):
    return user.name or user.email if user else ""


def _case_update(event, names, actor):
    """The sentence and detail lines of a staff change (assignee, queue, priority, topic)."""
    changes = _changes(event)
    lines = [f"{_label(k)}: {names.value(k, pair[0])} → {names.value(k, pair[1])}"
             for k, pair in changes.items() if isinstance(pair, (list, tuple)) and len(pair) == 2]
    if len(changes) == 1:
        key, (old, new) = next(iter(changes.items()))
        if key == "assignee_id" and new is None:
            return f"{actor} unassigned the case (it was with {names.value(key, old)})", []
        if key == "assignee_id":
            return f"{actor} assigned the case to {names.value(key, new)}", []
        if key == "queue_id":
            return f"{actor} transferred the case from {names.value(key, old)} to {names.value(key, new)}", []
        return f"{actor} changed the {_label(key).lower()}", lines
    return f"{actor} updated the case", lines


def _status_details(details):
    before, after = details.get("before"), details.get("after")
    lines = [f"Status: {STATUS_LABELS.get(before, _plain(before))} → {STATUS_LABELS.get(after, _plain(after))}"]
    if details.get("reason"):
        lines.append(f"Reason: {_plain(details['reason'])}")
    return lines


def _generic_details(details):
    lines = []
    if "before" in details and "after" in details and not isinstance(details["before"], dict):
        lines.append(f"{_plain(details['before'])} → {_plain(details['after'])}")
    for key, value in details.items():
        if key in _HIDDEN or (key in ("before", "after") and lines):
            continue
        if isinstance(value, dict) and key in ("before", "after"):
            continue
        lines.append(f"{_label(key)}: {_plain(value)}")
    if isinstance(details.get("before"), dict) and isinstance(details.get("after"), dict):
        for key in sorted(set(details["before"]) | set(details["after"])):
            old, new = details["before"].get(key), details["after"].get(key)
            if old != new:
                lines.append(f"{_label(key)}: {_plain(old)} → {_plain(new)}")
    return lines


def sentence(event, names):
    """One AuditEvent as a Sentence (names: a _Names of the page the event is on)."""
    actor = _person(event.actor) or SYSTEM
    details = event.details or {}
    if event.action == "case.updated":
        text, lines = _case_update(event, names, actor)
    else:
        template = SENTENCES.get(event.action) or _fallback(event.action)
        text = template.format(
            actor=actor,
            subject=_person(event.subject_user) or "someone",
            participant=event.participant.code if getattr(event, "participant", None) else "a participant",
        )
        lines = _status_details(details) if event.action == "case.status_changed" else _generic_details(details)
    return Sentence(
        at=event.created_at, actor=actor, text=text, details=lines,
        device=describe_user_agent(event.user_agent) if event.user_agent else "",
        address=event.ip_address or "", action=event.action,
    )


def sentences(events):
    """Sentences for a page of events, the ids in them resolved in a constant number of statements."""
    names = _Names(events)
    return [sentence(event, names) for event in events]
