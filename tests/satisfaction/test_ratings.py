"""Satisfaction ratings: the signed email link, the case page form, the staff view, from the attacker's side too."""

import re

import pytest
from sqlalchemy import select

from askiso.cams import services as cams
from askiso.cams.models import Membership
from askiso.cases import services as case_services
from askiso.cases.models import Case, CaseContact
from askiso.extensions import db
from askiso.mail.models import OutboxEmail
from askiso.satisfaction import services
from askiso.satisfaction.models import Rating
from tests.cases.helpers import new_case

SUBJECT = "Confidential resettlement of the Concord unit"


@pytest.fixture
def resolved(app, people):
    """Ann's case, with Carl as a contact, answered and resolved by the agent (the emails are queued)."""
    case = new_case(people.alpha_user, people.alpha, subject=SUBJECT, description="Secret numbers: 12,480.00")
    db.session.add(CaseContact(case_id=case.id, user_id=people.alpha_colleague.id))
    db.session.commit()
    case_services.add_message(case, people.agent, "Done: the resettlement is booked.")
    case_services.change_status(case, people.agent, "resolved", reason="Done")
    db.session.commit()
    return case


def _status_mail(to):
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.kind == "case_status")).all()
    return next(row for row in rows if row.recipients == [to])


def _link(body, score):
    return re.search(rf"http://[^/\s]+(/rate/[^\s\"?]+\?score={score})", body).group(1)


def test_the_resolution_email_carries_links_for_the_submitter_only(app, people, resolved):
    ann = _status_mail(people.alpha_user.email)
    assert "How did we do?" in ann.body_text and "/rate/" in ann.body_html
    carl = _status_mail(people.alpha_colleague.email)
    assert "/rate/" not in carl.body_text and "/rate/" not in (carl.body_html or "")


def test_rating_from_the_email_link_without_signing_in(app, people, resolved, client):
    link = _link(_status_mail(people.alpha_user.email).body_text, "bad")
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and resolved.number in html
    assert SUBJECT not in html and "12,480" not in html  # the link shows nothing of the case
    assert re.search(r"<input checked[^>]*value=\"bad\"", html)
    done = client.post(link.split("?")[0], data={"score": "bad", "comment": "Slow first answer."})
    assert done.status_code == 200 and "was recorded" in done.get_data(as_text=True)
    rating = db.session.get(Rating, resolved.id)
    assert (rating.score, rating.comment, rating.source, rating.user_id) == (
        "bad",
        "Slow first answer.",
        "email",
        people.alpha_user.id,
    )
    # Someone else who gets the link later sees neither the case nor the earlier rating's comment.
    again = client.get(link).get_data(as_text=True)
    assert "already sent" in again and "Slow first answer" not in again and SUBJECT not in again
    # Sending again replaces the rating (one per case).
    client.post(link.split("?")[0], data={"score": "good", "comment": ""})
    db.session.expire_all()
    assert db.session.scalars(select(Rating)).all()[0].score == "good"


def test_a_missing_choice_is_explained_and_keeps_the_comment(app, people, resolved, client):
    link = _link(_status_mail(people.alpha_user.email).body_text, "good").split("?")[0]
    response = client.post(link, data={"comment": "Typed text stays"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose Good or Bad." in html and "Typed text stays" in html
    assert db.session.get(Rating, resolved.id) is None


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "eyJjIjoxLCJ1IjoxfQ.abc.def", lambda t: "nope"])
def test_forged_links_answer_404(app, people, resolved, client, mangle):
    token = _link(_status_mail(people.alpha_user.email).body_text, "good").split("/rate/")[1].split("?")[0]
    response = client.post(f"/rate/{mangle(token)}", data={"score": "good"})
    assert response.status_code == 404 and SUBJECT not in response.get_data(as_text=True)
    assert db.session.get(Rating, resolved.id) is None


def test_a_token_for_one_case_rates_only_that_case(app, people, resolved, client):
    other = new_case(people.alpha_user, people.alpha, subject="Another case")
    case_services.change_status(other, people.agent, "resolved")
    db.session.commit()
    token = services.rating_token(resolved)
    client.post(f"/rate/{token}", data={"score": "good"})
    assert db.session.get(Rating, resolved.id) is not None and db.session.get(Rating, other.id) is None


def test_the_link_stops_working_when_reopened_or_access_ends(app, people, resolved, client):
    token = services.rating_token(resolved)
    case_services.reopen_case(resolved, people.alpha_user)
    db.session.commit()
    assert client.get(f"/rate/{token}").status_code == 404
    case_services.change_status(resolved, people.agent, "resolved")
    db.session.commit()
    assert client.get(f"/rate/{token}").status_code == 200
    membership = db.session.scalar(
        select(Membership).where(
            Membership.user_id == people.alpha_user.id, Membership.participant_id == people.alpha.id
        )
    )
    cams.end_membership(people.alpha_sa, membership)
    db.session.commit()
    assert client.post(f"/rate/{token}", data={"score": "good"}).status_code == 404
    assert db.session.get(Rating, resolved.id) is None


def test_another_company_signed_in_with_the_link_learns_nothing(app, people, resolved, client_for):
    client = client_for(people.beta_user)
    html = client.get(f"/rate/{services.rating_token(resolved)}").get_data(as_text=True)
    assert SUBJECT not in html and "12,480" not in html
    assert client.post(f"/cases/{resolved.number}/rating", data={"score": "bad"}).status_code == 404
    assert db.session.get(Rating, resolved.id) is None


def test_the_submitter_rates_on_the_case_page_and_staff_see_it(app, people, resolved, client_for):
    ann = client_for(people.alpha_user)
    page = ann.get(f"/cases/{resolved.number}").get_data(as_text=True)
    assert "How did we do?" in page
    response = ann.post(f"/cases/{resolved.number}/rating", data={"score": "good", "comment": "Thanks, clear."})
    assert response.status_code == 302
    assert "You rated this case" in ann.get(f"/cases/{resolved.number}").get_data(as_text=True)
    rating = db.session.get(Rating, resolved.id)
    assert (rating.score, rating.source) == ("good", "web")
    staff_page = client_for(people.agent).get(f"/staff/cases/{resolved.number}").get_data(as_text=True)
    assert "Satisfaction" in staff_page and "Thanks, clear." in staff_page and "Good" in staff_page
    listed = client_for(people.agent).get("/staff/cases?status=all&rating=good").get_data(as_text=True)
    assert resolved.number in listed
    assert resolved.number not in client_for(people.agent).get("/staff/cases?status=all&rating=bad").get_data(
        as_text=True
    )


def test_a_contact_or_an_open_case_gets_no_rating_form(app, people, resolved, client_for):
    carl = client_for(people.alpha_colleague)
    assert "How did we do?" not in carl.get(f"/cases/{resolved.number}").get_data(as_text=True)
    assert carl.post(f"/cases/{resolved.number}/rating", data={"score": "bad"}).status_code == 404
    open_case = new_case(people.alpha_user, people.alpha, subject="Still open")
    ann = client_for(people.alpha_user)
    assert "How did we do?" not in ann.get(f"/cases/{open_case.number}").get_data(as_text=True)
    assert ann.post(f"/cases/{open_case.number}/rating", data={"score": "good"}).status_code == 400
    assert db.session.scalar(select(Rating.case_id)) is None
    assert db.session.get(Case, open_case.id).status == "new"
