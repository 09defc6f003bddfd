"""Email about a case: only to people who may see the case, asked twice.

Every email about a case is queued by one of the two functions below, never by
`queue_email` (which refuses a `case`):

- `queue_case_email(kind, case, people, subject, template, ...)` for accounts: it keeps
  those of `people` who may see the case now (`visibility.case_mail_recipients`, the
  rule of `can_view_case`) and writes one outbox row per person naming them
  (`OutboxEmail.audience = "account"`, `recipient_user_id`);
- `queue_inquirer_email(kind, case, email, subject, template, ...)` for the inquirer of
  a public inquiry, who follows it by tracking link (`audience = "inquirer"`): sent
  only while the link shows the case (`visibility.inquirer_may_see`).

Access can end between queueing and sending (a membership ended, an inquiry filed
under a participant), so the outbox worker asks again just before it sends
(`withhold_if_access_ended`): a row whose recipient may no longer see the case is
not sent, becomes "dropped" with its `drop_reason`, and is never retried.
"""

from sqlalchemy import insert, select

from askiso.auth.models import User
from askiso.cases.models import Case
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.mail.services import clean_address, queue_each, queue_to
from askiso.visibility import case_mail_recipients, inquirer_may_see


def queue_case_email(kind, case, people, subject, template, *, exclude=None, headers=None, suppressed=None,
                     **context):
    """Queue an email about `case` to those of `people` (accounts) who may see it now, except
    `exclude` (the person who acted). Returns the rows added.

    `suppressed`: the addresses among `people` that said "stop", when the caller read them already
    (askiso/notifications/hooks.py reads them with the recipients); otherwise they are looked up."""
    allowed = [p for p in case_mail_recipients(case, people) if exclude is None or p.id != exclude.id]
    if len(allowed) == 1:
        person = allowed[0]
        return queue_to(
            kind,
            person.email,
            subject,
            template,
            case=case,
            headers=headers,
            audience="account",
            recipient_user_id=person.id,
            suppressed=suppressed,
            **context,
        )
    if not allowed:
        return []
    # Many recipients (a queue): their "stop" addresses read in one query, the body rendered once
    # (askiso/mail/rendering.py) and the rows written in one INSERT however many there are.
    if suppressed is None:
        with db.session.no_autoflush:
            suppressed = _suppressed_among([p.email for p in allowed])
    rows = queue_each(
        kind,
        [(p.email, p.id) for p in allowed],
        subject,
        template,
        case=case,
        headers=headers,
        audience="account",
        suppressed=suppressed,
        **context,
    )
    if rows:
        _write_at_once(rows)
    return rows


def _write_at_once(rows):
    """Write many outbox rows in one INSERT (executemany), not one per row as the ORM's flush
    does on SQLite (it needs each new id back). The rows returned to the caller are not in the
    session (they carry no id): the outbox worker reads them from the table."""
    columns = [c.key for c in OutboxEmail.__mapper__.column_attrs if c.key != "id"]
    values = [{key: getattr(row, key) for key in columns if getattr(row, key) is not None} for row in rows]
    db.session.execute(insert(OutboxEmail), values)


def _suppressed_among(emails):
    from askiso.mail.suppression import EmailSuppression

    addresses = {clean_address(e) for e in emails} - {""}
    return set(db.session.scalars(select(EmailSuppression.email).where(EmailSuppression.email.in_(addresses))))


def queue_inquirer_email(kind, case, email, subject, template, *, headers=None, **context):
    """Queue an email about `case` to its inquirer's address, while their tracking link shows
    the case. Returns the rows added."""
    if not inquirer_may_see(case, utcnow()):
        return []
    return queue_to(kind, email, subject, template, case=case, headers=headers, audience="inquirer", **context)


def access_ended_reason(row):
    """Why the recipient of this outbox row may no longer get it, or None (send it).

    Rows that are not about a case (no audience) are always sent."""
    if row.audience is None:
        return None
    case = db.session.get(Case, row.case_id) if row.case_id is not None else None
    if case is None:
        return "the case no longer exists"
    if row.audience == "inquirer":
        return None if inquirer_may_see(case, row.created_at) else "the inquirer's link no longer shows the case"
    person = db.session.get(User, row.recipient_user_id) if row.recipient_user_id is not None else None
    if person is None:
        return "the recipient's account no longer exists"
    if person.email not in (row.recipients or []):
        return "the recipient's address changed"
    if not case_mail_recipients(case, [person]):
        return "the recipient may no longer see the case"
    return None


def withhold_if_access_ended(row):
    """The outbox worker's last check before sending a claimed row: True when it must not be
    sent; the row is then recorded "dropped" with the reason (the worker commits), never retried."""
    reason = access_ended_reason(row)
    if reason is None:
        return False
    row.status = "dropped"
    row.drop_reason = reason
    row.locked_until = None
    return True
