"""Demo data of the staff workspace: queue members, canned responses, macros, holidays.

Each row is added once (askiso/core/seeding.py `first_time`): a queue member an admin
removed, or a canned response, macro or holiday someone deleted, does not come back.
"""

from datetime import date, timedelta

from sqlalchemy import select

from askiso.auth.models import user_by_email
from askiso.cases.models import Queue, QueueMember
from askiso.core.seeding import first_time
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff.macros import Macro, save_macro
from askiso.staff.models import CannedResponse, Holiday
from askiso.staff.sla import upcoming_day

QUEUE_MEMBERS = {
    "agent@askiso.test": ["participant_support", "member_coordination"],
    "agent2@askiso.test": ["settlements", "credit", "external_transactions"],
    "supervisor@askiso.test": ["participant_support", "member_coordination", "settlements", "credit",
                               "external_transactions"],
}

CANNED = [
    ("Acknowledgement", None,
     "Hello {requester_first_name},\n\nThank you for contacting ISO Participant Support. We have received case "
     "{case_number} for {participant_name} and are looking into it.\n\nParticipant Support"),
    ("Need more information", None,
     "Hello {requester_first_name},\n\nTo continue with case {case_number} we need a little more information:\n\n"
     "- \n\nPlease reply on the case page.\n\nParticipant Support"),
    ("Billing dispute received", "settlements",
     "Hello {requester_first_name},\n\nWe have recorded the receipt time of your billing adjustment request "
     "{case_number} for {participant_name}. Settlements will review the disputed charge and reply here."),
]


ADMIN = "admin@askiso.test"
# Macros as an admin (shared: owner None) or an agent (personal: their email) would make them on
# /staff/macros, saved through the same service (askiso/staff/macros.save_macro) and its checks.
MACROS = [
    (None, {
        "name": "Ask for the meter data file", "status": "waiting",
        "body": "Hello {requester_first_name},\n\nTo check the figures of case {case_number} we need the meter "
                "data file for the operating day in question: the hourly export of your meter data system (CSV), "
                "as submitted to the ISO. Please attach it on the case page or reply to this email with it.\n\n"
                "Participant Support",
    }),
    (None, {
        "name": "Billing dispute received", "priority": "high", "queue": "settlements",
        "body": "Hello {requester_first_name},\n\nWe have recorded the receipt time of the billing adjustment "
                "request {case_number} for {participant_name}. Settlements will review the disputed charge "
                "against the statement and reply on this case.\n\nParticipant Support",
    }),
    (None, {
        "name": "Resolved: duplicate", "status": "resolved",
        "body": "Hello {requester_first_name},\n\nThis request is the same as another case of "
                "{participant_name} that we are already answering, so we are marking {case_number} resolved and "
                "continuing there. If it is a different question, reply here within 14 days and it reopens."
                "\n\nParticipant Support",
    }),
    (None, {
        "name": "Escalate to Credit (internal)", "is_internal": True, "priority": "urgent", "queue": "credit",
        "assign_to": "nobody",
        "body": "Escalating: this touches the participant's financial assurance. Credit, please review the "
                "collateral position before we answer.",
    }),
    ("agent2@askiso.test", {
        "name": "Take it: settlement review", "status": "in_progress", "assign_to": "me", "is_internal": True,
        "body": "Taking this one. Checking the statement line by line against the meter data on file.",
    }),
]


def _add_macros(queues):
    admin = user_by_email(ADMIN)
    for owner_email, spec in MACROS:
        actor = user_by_email(owner_email) if owner_email else admin
        if actor is None:  # the account is gone (its email changed): nobody to make the macro as
            continue
        owner_id = None if owner_email is None else actor.id
        same_owner = Macro.owner_id.is_(None) if owner_id is None else Macro.owner_id == owner_id
        exists = db.session.scalar(select(Macro.id).where(Macro.name == spec["name"], same_owner)) is not None
        if first_time(db.session, "macros", f"{owner_email or 'shared'}|{spec['name']}", exists=exists):
            save_macro(actor, None, macro_data(spec, queues, shared=owner_email is None))


def macro_data(spec, queues, shared):
    """A demo macro as the macro form posts it (askiso/staff/forms.MacroForm's fields)."""
    queue = queues.get(spec.get("queue"))
    return {
        "name": spec["name"], "body": spec.get("body", ""), "is_internal": spec.get("is_internal", False),
        "status": spec.get("status", ""), "priority": spec.get("priority", ""),
        "queue_id": str(queue.id) if queue else "", "assign_to": spec.get("assign_to", ""), "assignee_id": "",
        "is_shared": shared, "is_active": True,
    }


def _nth_weekday(year, month, weekday, n):
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _last_weekday(year, month, weekday):
    last = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day):
    """Saturday holidays are observed on Friday, Sunday ones on Monday."""
    return day - timedelta(days=1) if day.weekday() == 5 else day + timedelta(days=1) if day.weekday() == 6 else day


def us_federal_holidays(year):
    """The eleven US federal holidays of a year, as (observed date, name)."""
    mon, thu = 0, 3
    return [
        (_observed(date(year, 1, 1)), "New Year's Day"),
        (_nth_weekday(year, 1, mon, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, mon, 3), "Washington's Birthday"),
        (_last_weekday(year, 5, mon), "Memorial Day"),
        (_observed(date(year, 6, 19)), "Juneteenth National Independence Day"),
        (_observed(date(year, 7, 4)), "Independence Day"),
        (_nth_weekday(year, 9, mon, 1), "Labor Day"),
        (_nth_weekday(year, 10, mon, 2), "Columbus Day"),
        (_observed(date(year, 11, 11)), "Veterans Day"),
        (_nth_weekday(year, 11, thu, 4), "Thanksgiving Day"),
        (_observed(date(year, 12, 25)), "Christmas Day"),
    ]


def load_staff_workspace():
    """Put demo agents in queues, add canned responses and the next US federal holidays."""
    queues = {q.key: q for q in db.session.scalars(select(Queue))}
    for email, keys in QUEUE_MEMBERS.items():
        user = user_by_email(email)
        if user is None:
            continue
        for key in (k for k in keys if k in queues):
            exists = db.session.get(QueueMember, (queues[key].id, user.id)) is not None
            if first_time(db.session, "queue_members", f"{email}|{key}", exists=exists):
                db.session.add(QueueMember(queue_id=queues[key].id, user_id=user.id))
    for title, queue_key, body in CANNED:
        exists = db.session.scalar(select(CannedResponse.id).where(CannedResponse.title == title)) is not None
        if first_time(db.session, "canned_responses", title, exists=exists):
            queue = queues.get(queue_key) if queue_key else None
            db.session.add(CannedResponse(title=title, body=body, queue_id=queue.id if queue else None))
    _add_macros(queues)
    _add_holidays()
    db.session.flush()


def _add_holidays():
    today = upcoming_day(utcnow())
    for year in (today.year, today.year + 1):
        for day, name in (h for h in us_federal_holidays(year) if h[0] >= today):
            exists = db.session.scalar(select(Holiday.id).where(Holiday.day == day)) is not None
            if first_time(db.session, "holidays", day.isoformat(), exists=exists):
                db.session.add(Holiday(day=day, name=name))
