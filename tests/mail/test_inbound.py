"""Incoming mail: replies thread onto cases, new mail opens cases, nobody else gets in."""

from sqlalchemy import func, select

from askiso.cases import services
from askiso.cases.models import Attachment, Case, Message
from askiso.extensions import db
from askiso.mail.inbound import receive
from askiso.mail.models import InboundEmail, OutboxEmail
from askiso.visibility import visible_messages
from tests.cases.helpers import PDF, new_case
from tests.mail.helpers import QUOTED_REPLY, incoming, reply_to_case


def _messages(case):
    return db.session.scalars(select(Message).where(Message.case_id == case.id).order_by(Message.id)).all()


def _outbox(kind):
    return db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == kind)).all()


def test_reply_with_token_becomes_a_public_message_without_quotes_with_files(app, people):
    case = new_case(people.alpha_user, people.alpha)
    raw = reply_to_case(
        people.alpha_user,
        case,
        attachments=[
            ("statement.pdf", PDF, "application", "pdf"),
            ("run.exe", b"MZ\x90\x00", "application", "octet-stream"),
        ],
    )
    row = receive(raw)
    assert row.status == "processed", row.reason
    [message] = _messages(case)
    assert message.source == "email" and not message.is_internal and message.author_id == people.alpha_user.id
    assert message.body.startswith("Here is the statement you asked for.")
    assert "quoted history" not in message.body and "Best regards" not in message.body
    assert "run.exe" in message.body  # refused file noted
    files = db.session.scalars(select(Attachment).where(Attachment.message_id == message.id)).all()
    assert [f.filename for f in files] == ["statement.pdf"]
    assert message in db.session.scalars(visible_messages(people.alpha_user, case)).all()


def test_reply_to_waiting_case_moves_it_back_to_in_progress(app, people):
    case = new_case(people.alpha_user, people.alpha)
    services.change_status(case, people.agent, "waiting")
    db.session.commit()
    assert receive(reply_to_case(people.alpha_user, case)).status == "processed"
    db.session.refresh(case)
    assert case.status == "in_progress"


def test_reply_threads_by_references_or_subject_number(app, people):
    case = new_case(people.alpha_user, people.alpha)
    root = f"<case-{case.number}@askiso.local>"
    by_refs = incoming(people.alpha_user.email, "Re: your question", "Threaded by references", In_Reply_To=root)
    by_subject = incoming(people.alpha_colleague.email, f"About {case.number}", "Threaded by subject")
    services.add_contact(case, people.alpha_user, people.alpha_colleague)
    db.session.commit()
    assert receive(by_refs).status == "processed"
    assert receive(by_subject).status == "processed"
    assert [m.body for m in _messages(case)] == ["Threaded by references", "Threaded by subject"]


def test_external_manager_reply_by_email_is_accepted(app, people):
    case = new_case(people.alpha_user, people.alpha)
    assert receive(reply_to_case(people.alpha_manager, case)).status == "processed"


def test_foreign_sender_is_refused_once_a_day_and_nothing_is_added(app, people):
    case = new_case(people.alpha_user, people.alpha)
    for sender in (people.beta_user, people.beta_user, people.former):
        row = receive(reply_to_case(sender, case))
        assert row.status == "refused"
    assert _messages(case) == []
    refusals = _outbox("mail_refusal")
    assert sorted(r.recipients[0] for r in refusals) == sorted([people.beta_user.email, people.former.email])
    text = refusals[0].body_text
    assert case.subject not in text.replace(f"Re: [{case.number}] {case.subject}", "")  # nothing about the case


def test_unknown_sender_with_a_case_number_is_refused(app, people):
    case = new_case(people.alpha_user, people.alpha)
    row = receive(incoming("stranger@else.test", f"Re: [{case.number}]", "let me in"))
    assert row.status == "refused" and _messages(case) == []


def test_subject_number_of_another_company_does_not_reach_it(app, people):
    case = new_case(people.beta_user, people.beta)
    row = receive(incoming(people.alpha_user.email, f"Re: [{case.number}]", "hello"))
    assert row.status == "refused" and _messages(case) == []


def test_forged_token_is_refused(app, people):
    case = new_case(people.alpha_user, people.alpha)
    to = f"support+{case.number.lower()}.aaaaaaaaaaaaaaaa@askiso.local"
    row = receive(incoming(people.alpha_user.email, "Re: hi", "forged", to=to))
    assert row.status == "refused" and _messages(case) == []


def test_spoofed_sender_failing_dmarc_is_refused_without_answer(app, people):
    app.config["MAIL_TRUSTED_AUTHSERV_ID"] = "mx.askiso.local"
    try:
        case = new_case(people.alpha_user, people.alpha)
        raw = reply_to_case(
            people.alpha_user,
            case,
            Authentication_Results="mx.askiso.local; spf=fail smtp.mailfrom=alpha.test; dmarc=fail",
        )
        row = receive(raw)
    finally:
        app.config["MAIL_TRUSTED_AUTHSERV_ID"] = None
    assert row.status == "refused" and _messages(case) == []
    assert _outbox("mail_refusal") == []


def test_reply_to_closed_case_is_refused_with_a_helpful_note(app, people):
    case = new_case(people.alpha_user, people.alpha)
    services.close_case(case, people.alpha_user, "done")
    db.session.commit()
    assert receive(reply_to_case(people.alpha_user, case)).status == "refused"
    [refusal] = _outbox("mail_refusal")
    assert case.number in refusal.body_text and "reopen" in refusal.body_text.lower()


def test_loops_are_not_started(app, people):
    case = new_case(people.alpha_user, people.alpha)
    before = db.session.scalar(select(func.count(OutboxEmail.id)))
    automatic = [
        reply_to_case(people.alpha_user, case, Auto_Submitted="auto-replied"),
        reply_to_case(people.alpha_user, case, Precedence="junk"),
        reply_to_case(people.alpha_user, case, X_Autoreply="yes"),
        reply_to_case(people.alpha_user, case, Return_Path="<>"),
        incoming("MAILER-DAEMON@mx.alpha.test", f"Undeliverable: [{case.number}]", "bounce"),
        incoming("support@askiso.local", f"[{case.number}] loop", "our own"),
        incoming("Ask ISO <askiso@localhost>", f"[{case.number}] loop", "our own"),
        incoming("stranger@else.test", f"[{case.number}] x", "x", Message_ID=f"<case-{case.number}.1@askiso.local>"),
    ]
    for raw in automatic:
        assert receive(raw).status == "ignored"
    assert _messages(case) == []
    assert db.session.scalar(select(func.count(OutboxEmail.id))) == before


def test_same_message_delivered_twice_is_added_once(app, people):
    case = new_case(people.alpha_user, people.alpha)
    raw = reply_to_case(people.alpha_user, case, Message_ID="<dup-1@alpha.test>")
    assert receive(raw).status == "processed"
    assert receive(raw).status == "ignored"
    assert len(_messages(case)) == 1


# ---------------------------------------------------------------- new cases by email


def test_new_email_from_a_one_company_user_opens_a_case_with_a_receipt(app, people):
    row = receive(incoming(people.alpha_user.email, "Settlement question", "What is line 42?"))
    assert row.status == "processed", row.reason
    case = row.case
    assert case.participant_id == people.alpha.id and case.submitter_id == people.alpha_user.id
    assert case.source == "email" and case.request_type.key == "general_question"
    assert case.description == "What is line 42?"
    [receipt] = _outbox("case_receipt")
    assert receipt.recipients == [people.alpha_user.email] and case.number in receipt.subject


def test_new_email_from_a_several_company_user_waits_for_their_choice(app, people, client_for):
    row = receive(incoming(people.both.email, "Which company?", "A question"))
    assert row.status == "pending" and row.case_id is None
    [ask] = _outbox("mail_choose_participant")
    assert f"/mail/choose/{row.id}" in ask.body_text
    # nobody else can see or use the choice page
    assert client_for(people.alpha_user).get(f"/mail/choose/{row.id}").status_code == 404
    assert (
        client_for(people.alpha_user).post(f"/mail/choose/{row.id}", data={"participant": people.alpha.id}).status_code
        == 404
    )
    both = client_for(people.both)
    page = both.get(f"/mail/choose/{row.id}")
    assert page.status_code == 200 and b"Beta Energy Trading" in page.data
    bad = both.post(f"/mail/choose/{row.id}", data={"participant": "999999"})
    assert bad.status_code == 400 and b"Choose the company" in bad.data
    done = both.post(f"/mail/choose/{row.id}", data={"participant": people.beta.id})
    assert done.status_code == 302
    db.session.expire_all()
    row = db.session.get(InboundEmail, row.id)
    assert row.status == "processed" and row.case.participant_id == people.beta.id
    assert both.get(f"/mail/choose/{row.id}").status_code == 404  # used once


def test_new_email_from_an_unknown_address_takes_the_inquiry_path(app, people):
    from askiso.inquiries.models import PendingInquiry

    row = receive(incoming("Pat Public <pat@public.test>", "Becoming a participant", "How do I register?"))
    assert row.status == "processed", row.reason
    pending = db.session.scalar(select(PendingInquiry))
    assert pending.email == "pat@public.test" and pending.subject == "Becoming a participant"
    assert db.session.scalar(select(func.count(Case.id))) == 0


def test_new_email_from_staff_is_kept_for_review(app, people):
    assert receive(incoming(people.agent.email, "New", "x")).status == "review"


def test_outsider_with_account_opens_a_non_participant_case(app, people):
    row = receive(incoming(people.outsider.email, "General", "A general question"))
    assert row.status == "processed" and row.case.participant_id is None


def test_quoted_text_is_kept_for_new_mail_but_stripped_for_replies(app, people):
    row = receive(incoming(people.alpha_user.email, "Forwarded", QUOTED_REPLY))
    assert "quoted history" in row.case.description
