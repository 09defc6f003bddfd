"""A case email to many people is rendered once (askiso/mail/rendering.py): each still gets their own
address, unsubscribe link and rating links, escaped as Jinja would, and the same mail as one by one."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from askiso.cases import services as case_services
from askiso.cases.models import CaseContact, Message
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.mail.rendering import render_for_each, render_one
from askiso.mail.suppression import unsubscribe_url
from tests.cases.helpers import new_case
from tests.notifications.helpers import join_queue

ODD_ADDRESS = "o'neil&co@alpha.test"


@pytest.fixture
def case(app, people):
    """Ann's case with Carl (whose address has an & and a ') as a contact."""
    people.alpha_colleague.email = ODD_ADDRESS
    case = new_case(people.alpha_user, people.alpha)
    db.session.add(CaseContact(case_id=case.id, user_id=people.alpha_colleague.id))
    db.session.commit()
    return case


def _rows(kind):
    return {tuple(r.recipients): r for r in db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind))}


def test_two_recipients_of_one_notice_get_their_own_unsubscribe_links(app, people):
    join_queue(people.agent)
    join_queue(people.supervisor)
    new_case(people.alpha_user, people.alpha)
    rows = _rows("notice_new_case")
    mine, theirs = rows[(people.agent.email,)], rows[(people.supervisor.email,)]
    assert unsubscribe_url(people.agent.email) in mine.body_text
    assert unsubscribe_url(people.supervisor.email) not in mine.body_text
    assert unsubscribe_url(people.supervisor.email) in theirs.body_text
    assert mine.headers["List-Unsubscribe"] == f"<{unsubscribe_url(people.agent.email)}>"
    assert mine.headers["Message-ID"] != theirs.headers["Message-ID"]


def test_only_the_submitter_gets_rating_links_and_each_their_own_address(app, people, case):
    case_services.change_status(case, people.agent, "resolved")
    db.session.commit()
    rows = _rows("case_status")
    ann, carl = rows[(people.alpha_user.email,)], rows[(ODD_ADDRESS,)]
    assert "/rate/" in ann.body_text and "/rate/" in ann.body_html
    assert "/rate/" not in carl.body_text and "/rate/" not in carl.body_html
    assert f"meant for {people.alpha_user.email}." in ann.body_html and ODD_ADDRESS not in ann.body_html
    # The odd address is escaped in the HTML part only, and its unsubscribe link is its own.
    assert "meant for o&#39;neil&amp;co@alpha.test." in carl.body_html and ODD_ADDRESS not in carl.body_html
    assert unsubscribe_url(ODD_ADDRESS) in carl.body_text and people.alpha_user.email not in carl.body_text


def test_a_name_with_markup_is_escaped_in_the_html_part(app, people, case):
    people.agent.name = "Alex <b>& Agent"
    db.session.commit()
    case_services.add_message(case, people.agent, "Here is the answer.")
    db.session.commit()
    rows = _rows("case_reply")
    assert len(rows) == 2
    for row in rows.values():
        assert "<strong>Alex &lt;b&gt;&amp; Agent</strong>" in row.body_html and "<b>&" not in row.body_html
        assert row.body_text.startswith("Alex <b>& Agent replied")


def _contexts(case, people):
    body = "A *reply* with <b>markup</b> & more"
    message = Message(case_id=case.id, author=people.agent, body=body, created_at=utcnow())
    return [
        ("case_receipt", {"company": people.alpha, "request_type": case.request_type}),
        ("case_company_new", {"company": people.alpha, "request_type": case.request_type}),
        ("case_reply", {"message": message}),
        ("case_reply", {"message": message, "new_status": case.status}),
        ("case_status", {"old_status": "in_progress", "reason": "Done & dusted <now>"}),
        ("notification", {"summary": "Ann <b>& co replied", "body": "Hello & <i>bye</i>", "case_path": "/cases/x"}),
        ("staff_autoclose_reminder", {"closes_at": utcnow() + timedelta(days=2)}),
        ("staff_case_merged", {"duplicate": case, "target": case}),
    ]


@pytest.mark.parametrize("status", ["in_progress", "waiting", "resolved", "closed"])
def test_rendered_once_is_the_same_mail_as_rendered_for_each(app, people, case, status):
    case.status = status
    addresses = [people.alpha_user.email, ODD_ADDRESS, people.alpha_manager.email]
    for template, context in _contexts(case, people):
        context = {**context, "external_url": "https://askiso.example"}
        once = render_for_each(template, case, context, addresses)
        each = [
            render_one(template, case, {**context, "recipient": a, "unsubscribe_url": unsubscribe_url(a)})
            for a in addresses
        ]
        assert once == each, template
    db.session.rollback()


def test_a_template_that_changes_a_personal_value_is_rendered_for_each(app, people, case, monkeypatch):
    from jinja2 import Environment, TemplateNotFound

    from askiso.mail import rendering

    def render(name, **context):
        if name.endswith(".html"):
            raise TemplateNotFound(name)
        return Environment().from_string("For {{ recipient|upper }}: {{ unsubscribe_url }}").render(**context)

    monkeypatch.setattr(rendering, "render_template", render)
    addresses = [people.alpha_user.email, ODD_ADDRESS]
    assert render_for_each("any", case, {}, addresses) == [
        (f"For {a.upper()}: {unsubscribe_url(a)}", None) for a in addresses
    ]
