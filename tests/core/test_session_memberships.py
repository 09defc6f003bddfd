"""A signed-in request's memberships come with its session row (askiso/auth/sessions.py,
askiso/cams/memberships.py memberships_column): they must be that person's, active, and current.

From the attacker's side: another company's user signed in at the same time,
a membership ended or a manager role taken away between two requests.
"""

import re

from sqlalchemy import select

from askiso.cams.memberships import active_memberships
from askiso.cams.models import Membership
from askiso.core.request_cache import forget_answers
from askiso.extensions import db
from tests.cases.helpers import new_case
from tests.factories import add_member, make_participant, make_user
from tests.statements import recorded_statements


def _companies(page):
    """The options of the list's company filter."""
    select_ = re.search(r'<select[^>]*name="participant"[^>]*>(.*?)</select>', page, re.S)
    return re.findall(r'<option value="(\d+)"', select_.group(1)) if select_ else []


def test_people_signed_in_at_once_each_get_their_own_memberships(people, client_for):
    alpha_case = new_case(people.alpha_user, people.alpha, subject="Alpha only")
    beta_case = new_case(people.beta_user, people.beta, subject="Beta only")
    alpha, beta, both = (client_for(people.alpha_manager), client_for(people.beta_manager),
                         client_for(people.both))
    for _ in range(2):  # interleaved: every session open at once
        alpha_page, beta_page = alpha.get("/cases/company").text, beta.get("/cases/company").text
        assert alpha_case.number in alpha_page and beta_case.number not in alpha_page
        assert beta_case.number in beta_page and alpha_case.number not in beta_page
        assert alpha.get(f"/cases/{beta_case.number}").status_code == 404
        assert beta.get(f"/cases/{alpha_case.number}").status_code == 404
        assert sorted(_companies(both.get("/cases").text)) == sorted([str(people.alpha.id), str(people.beta.id)])
        assert both.get("/cases/company").status_code == 404  # a member of both, manager of neither


def test_an_ended_membership_or_manager_role_counts_from_the_next_request(people, client_for):
    case = new_case(people.alpha_user, people.alpha, subject="Alpha case")
    manager = client_for(people.alpha_manager)
    assert case.number in manager.get("/cases/company").text
    membership = db.session.scalar(select(Membership).where(Membership.user_id == people.alpha_manager.id))
    membership.is_external_manager = False
    db.session.commit()
    assert manager.get("/cases/company").status_code == 404
    assert manager.get(f"/cases/{case.number}").status_code == 404
    user = client_for(people.alpha_user)
    assert case.number in user.get("/cases").text
    db.session.execute(db.update(Membership).where(Membership.user_id == people.alpha_user.id).values(is_active=False))
    db.session.commit()
    assert case.number not in user.get("/cases").text
    assert user.get(f"/cases/{case.number}").status_code == 404


def test_memberships_read_with_the_session_equal_those_read_on_their_own(app, client_for):
    """Same rows, same order (names compared in Python, whatever the database's collation), and the
    session's statement reads no memberships statement of its own."""
    person = make_user("pat.many@example.test", "Pat Many")
    for name, code, active, manager in (("beta Trading", "BT", True, True), ("Alpha Power", "AP", True, False),
                                        ("Ältere Werke", "AW", True, False), ("Gone Corp", "GC", False, True)):
        add_member(person, make_participant(name, code), external_manager=manager, active=active)
    db.session.commit()
    client = client_for(person)
    assert client.get("/cases").status_code == 200
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = f"{name}={client.get_cookie(name).value}"
    with recorded_statements() as seen, app.test_request_context("/cases", headers={"Cookie": cookie}):
        from flask import g
        from flask_login import current_user

        g.pop("_login_user", None)  # the tests' app context outlives a request: load as a new one does
        viewer = current_user._get_current_object()
        assert viewer.id == person.id
        with_session = active_memberships(viewer)
    assert len(seen) == 1 and "user_sessions" in seen[0]
    forget_answers()
    with app.test_request_context("/"):
        on_their_own = active_memberships(viewer)
    assert with_session == on_their_own
    assert [m.participant_code for m in with_session] == ["AP", "AW", "BT"]  # case and accents aside
    assert [(m.is_external_manager, m.is_security_admin) for m in with_session] == [
        (False, False), (False, False), (True, False)]
