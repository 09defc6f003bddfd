"""Ninety days of demo case history, so that every report shows something real on a fresh `make run`.

Cases are received on weekdays in business hours (a few early, late or at the
weekend), in the ISO's time zone; staff answer and resolve them in business
time, most within their service-level targets and some late; resolved cases
close seven days later; a share of them carry the submitter's rating. The
story is drawn from a fixed seed relative to today, so a second `demo load`
the same day would draw the same set.

Each case is added once (askiso/core/seeding.py `first_time`, key
"demo-history-NNN", also its submission key), written as rows directly: the
history is the past, so it sends no email and asks no service-level
receiver (due times are computed here from the same rules,
askiso/staff/sla.py).
"""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select

from askiso.auth.models import user_by_email
from askiso.cams.models import Participant
from askiso.cases.models import Case, Message, RequestType
from askiso.cases.numbering import next_case_number
from askiso.core.seeding import first_time
from askiso.core.timeutil import LOCAL_TZ, utcnow
from askiso.extensions import db
from askiso.satisfaction.models import Rating
from askiso.staff import sla
from askiso.staff.models import CaseClock

DAYS = 90
SEED = 2026
AUTOCLOSE = timedelta(days=7)

# Submitters by participant code (None: general inquiries from someone without a participant).
SUBMITTERS = {
    "GSP": ["grace.user@granitestate.test", "ethan.manager@granitestate.test", "chris.consultant@gridconsult.test"],
    "NET": ["henry.user@nutmeg.test", "liam.manager@nutmeg.test", "chris.consultant@gridconsult.test"],
    "BSG": ["ruth.user@baystate.test", "owen.manager@baystate.test"],
    None: ["pat.public@example.test"],
}
# Who works each request type's queue (the staff workspace demo puts them there).
AGENTS = {
    "participant_support": "agent@askiso.test",
    "member_coordination": "agent@askiso.test",
    "settlements": "agent2@askiso.test",
    "credit": "agent2@askiso.test",
    "external_transactions": "agent2@askiso.test",
}
SUPERVISOR = "supervisor@askiso.test"

# request type key, weight, subjects
TOPICS = [
    (
        "general_question",
        5,
        [
            "Question about the FCM qualification schedule",
            "Where to find the settlement calendar",
            "Meter data submission deadline",
            "Day-ahead offer cap clarification",
        ],
    ),
    (
        "billing_dispute",
        4,
        [
            "Resettlement of real-time energy charge",
            "Dispute of NCPC credit on the statement",
            "Regulation charge looks doubled",
            "Correction of load obligation for one hour",
        ],
    ),
    (
        "system_access",
        4,
        [
            "eMarket access for a new trader",
            "CAMS role for our new SA",
            "SMS access request",
            "MIS report subscription",
        ],
    ),
    ("registration_form", 2, ["External Transmission Customer Contact form", "Updated registration details"]),
    ("fcts_access", 2, ["FCTS access for an additional contact", "Second FCTS user for our back office"]),
    ("external_transactions", 2, ["OASIS registration", "NEXTT account for scheduling"]),
    ("data_feeds", 2, ["Web services certificate renewal", "Access to the real-time LMP feed"]),
    ("ftr_policies", 1, ["FTR risk-management policy for review"]),
]
PRIORITIES = [("normal", 70), ("high", 15), ("low", 10), ("urgent", 5)]
GOOD_COMMENTS = ["Quick and clear answer, thank you.", "Exactly what we needed.", "Helpful and friendly.", ""]
BAD_COMMENTS = ["It took several days before anyone answered.", "The answer did not address our question.", ""]
REPLIES = [
    "Thank you for your request: we are looking into it.",
    "We have checked this with the team and replied with the details below.",
]
RESOLUTIONS = [
    "This is done: please check and let us know if anything is missing.",
    "We have corrected it; the change appears on your next statement.",
]


def load_history(today=None):
    """Add the history cases that were never added (returns how many were made)."""
    rng = random.Random(SEED)
    now = utcnow()
    today = today or now.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()
    people = _people()
    if people is None:
        return 0
    types = {t.key: t for t in db.session.scalars(select(RequestType))}
    made = 0
    for i, received in enumerate(_arrivals(rng, today, now)):
        spec = _draw(rng, received, now, people, types)
        key = f"demo-history-{i:03d}"
        if spec is None:
            continue
        exists = db.session.scalar(select(Case.id).where(Case.submission_key == key)) is not None
        if first_time(db.session, "cases", key, exists=exists):
            _insert(key, spec)
            made += 1
    db.session.flush()
    return made


def _people():
    """{"participants": {code: Participant}, "submitters": {...}, "staff": {email: User}} or None."""
    participants = {
        p.code: p
        for p in db.session.scalars(select(Participant).where(Participant.code.in_([c for c in SUBMITTERS if c])))
    }
    submitters = {
        code: [u for u in map(user_by_email, emails) if u is not None]
        for code, emails in SUBMITTERS.items()
        if code is None or code in participants
    }
    staff = {e: user_by_email(e) for e in {*AGENTS.values(), SUPERVISOR}}
    if not all(staff.values()) or not any(submitters.values()):
        return None
    return {"participants": participants, "submitters": {c: s for c, s in submitters.items() if s}, "staff": staff}


def _arrivals(rng, today, now):
    """Received times (naive UTC), oldest first: ~3 a weekday, rarely at the weekend."""
    moments = []
    for back in range(DAYS - 1, -1, -1):
        day = today - timedelta(days=back)
        count = rng.choice((1, 2, 3, 3, 4, 5)) if day.weekday() < 5 else rng.choice((0, 0, 0, 1))
        for _ in range(count):
            hour = min(19, max(6, int(rng.gauss(12, 2.6))))
            local = datetime.combine(day, time(hour, rng.randrange(60)), tzinfo=LOCAL_TZ)
            moment = local.astimezone(UTC).replace(tzinfo=None)
            if moment < now - timedelta(minutes=30):
                moments.append(moment)
    return sorted(moments)


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _draw(rng, received, now, people, types):
    """One case's story: who, what, and when it was answered, resolved, closed and rated."""
    type_key = _weighted(rng, [(k, w) for k, w, _ in TOPICS if k in types])
    codes = (
        [c for c in people["submitters"] if c is not None]
        if type_key != "general_question"
        else list(people["submitters"])
    )
    code = rng.choice(codes)
    request_type = types[type_key]
    priority = _weighted(rng, PRIORITIES)
    targets = sla.get_settings()
    first_target = targets.first_response_minutes(priority)
    # Most answers come well within the target; about one in seven is late.
    late = rng.random() < 0.14
    first_delay = first_target * (rng.uniform(1.1, 2.5) if late else rng.uniform(0.05, 0.9))
    resolve_delay = first_delay + targets.resolution_minutes * (
        rng.uniform(1.05, 1.6) if rng.random() < 0.1 else rng.uniform(0.02, 0.7)
    )
    spec = {
        "received": received,
        "priority": priority,
        "request_type": request_type,
        "code": code,
        "participant": people["participants"].get(code),
        "submitter": rng.choice(people["submitters"][code]),
        "subject": rng.choice(next(s for k, _, s in TOPICS if k == type_key)),
        "assignee": people["staff"][
            SUPERVISOR if rng.random() < 0.1 else AGENTS.get(request_type.queue.key, "agent@askiso.test")
        ],
        "first": _after(received, first_delay, now),
        "resolved": _after(received, resolve_delay, now),
        "waiting": rng.random() < 0.25,
        "reply": rng.choice(REPLIES),
        "resolution": rng.choice(RESOLUTIONS),
    }
    spec["rating"] = _rating(rng, spec, now)
    return spec


def _after(start, business_minutes, now):
    moment = sla.add_business_minutes(start, int(business_minutes))
    return moment if moment < now else None


def _rating(rng, spec, now):
    if spec["resolved"] is None or spec["first"] is None or rng.random() > 0.45:
        return None
    late = spec["first"] > sla.add_business_minutes(
        spec["received"], sla.get_settings().first_response_minutes(spec["priority"])
    )
    good = rng.random() < (0.55 if late else 0.88)
    at = min(now, spec["resolved"] + timedelta(hours=rng.uniform(0.5, 40)))
    return ("good" if good else "bad", rng.choice(GOOD_COMMENTS if good else BAD_COMMENTS), at)


def _insert(key, spec):
    received, first, resolved = spec["received"], spec["first"], spec["resolved"]
    if first is None:
        resolved = None
    case = Case(
        submission_key=key,
        participant_id=spec["participant"].id if spec["participant"] else None,
        submitter_id=spec["submitter"].id,
        request_type_id=spec["request_type"].id,
        topic_id=spec["request_type"].default_topic_id,
        queue_id=spec["request_type"].queue_id,
        subject=spec["subject"],
        description=f"{spec['subject']}. Details are in our earlier correspondence.",
        field_values={},
        priority=spec["priority"],
        source="web",
        received_at=received,
        created_at=received,
        assignee_id=spec["assignee"].id if first is not None or spec["waiting"] else None,
    )
    case.first_response_due_at, case.resolution_due_at = sla.compute_due_times(case)
    case.first_response_at = first
    case.status, case.updated_at = _status(case, first, resolved, spec["waiting"])
    case.number = next_case_number(received.year)
    db.session.add(case)
    db.session.flush()
    messages = []
    if first is not None:
        messages.append(Message(case_id=case.id, author_id=spec["assignee"].id, body=spec["reply"], created_at=first))
    if resolved is not None:
        case.resolved_at = resolved
        messages.append(
            Message(case_id=case.id, author_id=spec["assignee"].id, body=spec["resolution"], created_at=resolved)
        )
        if spec["rating"] is not None:
            score, comment, at = spec["rating"]
            db.session.add(
                Rating(
                    case_id=case.id,
                    user_id=spec["submitter"].id,
                    score=score,
                    comment=comment,
                    source="email",
                    created_at=at,
                    updated_at=at,
                )
            )
    elif case.status == "waiting":
        db.session.add(CaseClock(case_id=case.id, paused_at=first, paused_minutes=0))
    db.session.add_all(messages)


def _status(case, first, resolved, waiting):
    """(status, updated_at) as the story leaves the case today."""
    now = utcnow()
    if resolved is not None:
        if resolved + AUTOCLOSE < now:
            case.closed_at = resolved + AUTOCLOSE
            case.close_reason = "Closed automatically after 7 days without a reply."
            return "closed", case.closed_at
        return "resolved", resolved
    if first is None:
        return "new", case.received_at
    return ("waiting" if waiting else "in_progress"), first
