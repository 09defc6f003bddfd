"""Helpers for staff workspace tests."""

import re

from sqlalchemy import select

from askiso.cases import services as case_services
from askiso.cases.models import Queue
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from tests.cases.helpers import new_case, pdf_file  # noqa: F401


def queue(key):
    return db.session.scalar(select(Queue).where(Queue.key == key))


def version_of(html):
    match = re.search(r'name="reply-version"[^>]*value="(\d+)"|value="(\d+)"[^>]*name="reply-version"', html)
    return int(match.group(1) or match.group(2))


def hidden(html, name):
    match = re.search(rf'id="{re.escape(name)}" name="{re.escape(name)}" type="hidden" value="(\d+)"', html)
    if match is None:
        match = re.search(rf'name="{re.escape(name)}"[^>]*value="(\d+)"', html)
    return match.group(1)


def composer_form(html, **values):
    """The staff case page composer's fields as the page gave them (its version and what it had
    seen), with `values` ("reply-body", "macro", ...) on top."""
    return {
        "kind": "reply",
        "reply-body": "",
        "reply-version": hidden(html, "reply-version"),
        "reply-seen_message": hidden(html, "reply-seen_message"),
        "reply-seen_event": hidden(html, "reply-seen_event"),
        **values,
    }


def outbox():
    return db.session.scalars(select(OutboxEmail).order_by(OutboxEmail.id)).all()


def staff_reply(case, staff, body, internal=False, files=()):
    message = case_services.add_message(case, staff, body, internal=internal, files=list(files))
    db.session.commit()
    return message
