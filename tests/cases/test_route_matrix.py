"""The route matrix, generated from the app's URL map: every rule that names a case or one of its
files, for every person of the cast, from the attacker's side.

Nobody lists the routes here: a new rule with a case number (`<number>`) or a file id
(`<attachment_id>`) is exercised the day it is added. A person who may not see the case gets
404 on every method of every such rule, exactly what a number that does not exist gets, and
nothing about the case changes; a signed-out visitor is sent to sign in (the API answers 401);
a person who may see it is never told it does not exist. Rules with any other kind of argument
must be named in OTHER_ARGUMENTS, so a new kind cannot slip past this file unnoticed.

Who may see the case is said here in plain words (DESIGN §1), not taken from
askiso/visibility.py: the matrix checks the rule, it does not restate it.
"""

import pytest

from askiso.api.tokens import create_token
from askiso.cases.models import Case, CaseContact, Message
from askiso.extensions import db

CASE_ARGUMENTS = {"number", "attachment_id"}

# Every other kind of argument a rule may carry, and where the attacker's side of it is tested.
OTHER_ARGUMENTS = {
    "token": "unguessable link tokens: tests/inquiries/test_links.py, tests/auth/test_password_links.py",
    "code": "company pages: tests/cams/test_company_attacker.py",
    "membership_id": "memberships of a company: tests/cams/test_company_attacker.py",
    "session_id": "a person's own sessions: tests/auth/test_sessions.py",
    "token_id": "a person's own API tokens: tests/api/test_tokens_ui.py",
    "inbound_id": "staff mail screens (staff only): tests/mail",
    "email_id": "staff outbox screens (staff only): tests/mail",
    "canned_id": "admin screens (staff only): tests/staff/test_admin.py",
    "holiday_id": "admin screens (staff only): tests/staff/test_admin.py",
    "queue_id": "admin screens (staff only): tests/staff/test_admin.py",
    "type_id": "admin screens (staff only): tests/staff/test_admin.py",
    "user_id": "admin screens (staff only): tests/staff/test_admin.py",
    "view_id": "a person's own saved views: tests/staff/test_list.py",
    "macro_id": "shared (admins) and a person's own macros (staff only): tests/staff/test_macros.py",
    "name": "report charts (staff only) and captured dev mail: tests/staff/test_reports.py, tests/mail",
    "filename": "static files",
    "obligation_id": "obligations (staff only): tests/obligations/test_staff_pages.py",
    "row_id": "a participant's row of an obligation (staff only): tests/obligations/test_staff_pages.py",
    "slug": "help articles by audience: tests/articles/test_audience_attacker.py",
    "article_file_id": "files of help articles by audience: tests/articles/test_audience_attacker.py",
    "participant_id": "participant attributes (staff only): tests/obligations/test_staff_pages.py",
    "notification_id": "a person's own notices, re-checked against the case: tests/notifications/test_attacker.py",
}

GUESSED_NUMBER = "AI-2099-999999"
GUESSED_FILE = 999999

# The cast and, in plain words, whether each may see case A (world.case) of participant Alpha,
# submitted by Ann, with Cora as a contact. Fred attacks his own old case after leaving Alpha.
PARTICIPANTS_WHO_SEE = {"alpha_user", "alpha_contact", "alpha_manager"}
STAFF = {"agent", "supervisor", "admin"}
PARTICIPANTS_WHO_DO_NOT = {
    "alpha_colleague",  # same company, neither submitter, contact nor External Manager
    "alpha_sa",  # Security Administrator only: manages members, not cases
    "both",  # a member of Alpha (and Beta) who is not on the case
    "beta_user",
    "beta_manager",  # External Manager, but of another company
    "former",  # a former member of Alpha
    "fred",  # submitted his own case, then left Alpha
    "outsider",  # no company at all
}
CAST = sorted(PARTICIPANTS_WHO_SEE | STAFF | PARTICIPANTS_WHO_DO_NOT) + ["anonymous"]


def case_rules(app):
    """Every (rule, method) of the app whose rule names a case or one of its files."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.arguments & CASE_ARGUMENTS:
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                found.append((rule, method))
    return sorted(found, key=lambda item: (item[0].rule, item[1]))


def _is_staff_rule(rule):
    return rule.rule.startswith(("/staff/", "/api/v1/staff"))


def _is_api_rule(rule):
    return rule.rule.startswith("/api/")


def _url(rule, number, attachment_id, link_token=None):
    values = {"number": number, "attachment_id": attachment_id, "token": link_token}
    return rule.build({k: v for k, v in values.items() if k in rule.arguments}, append_unknown=False)[1]


class Caller:
    """One person calling the pages (signed in) and the API (with a token of theirs)."""

    def __init__(self, app, client_for, user):
        self.web = client_for(user)
        self.api_headers = {}
        if user is not None:
            _, token = create_token(user, "matrix", scope="write", days=1)
            db.session.commit()
            self.api_headers = {"Authorization": f"Bearer {token}"}
        self.api = app.test_client()

    def call(self, rule, method, url):
        if _is_api_rule(rule):
            return self.api.open(url, method=method, headers=self.api_headers, json={})
        return self.web.open(url, method=method, data={})


def _snapshot(case_id):
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return (
        case.status,
        case.version,
        case.priority,
        case.assignee_id,
        case.queue_id,
        case.merged_into_id,
        db.session.scalar(db.select(db.func.count(Message.id)).where(Message.case_id == case_id)),
        db.session.scalar(db.select(db.func.count()).select_from(CaseContact).where(CaseContact.case_id == case_id)),
    )


def _target(world, persona):
    return world.fred_case if persona == "fred" else world.case


def _file_of(world, case):
    return world.submitted_file.id if case is world.case else GUESSED_FILE


def _may_see(persona, rule):
    if "token" in rule.arguments:
        return False  # a tracking link opens its own case only (the attacker's link is for another case)
    if persona in STAFF:
        return True
    return persona in PARTICIPANTS_WHO_SEE and not _is_staff_rule(rule)


def test_the_matrix_finds_the_case_routes_of_every_feature(app):
    rules = {rule.rule for rule, _ in case_rules(app)}
    # One of each family, so that a broken generator (or a renamed argument) cannot pass by finding nothing.
    for expected in (
        "/cases/<number>",
        "/cases/<number>/files/<int:attachment_id>",
        "/staff/cases/<number>",
        "/staff/inquiries/<number>",
        "/api/v1/cases/<number>",
        "/api/v1/cases/<number>/attachments/<int:attachment_id>",
    ):
        assert expected in rules
    assert len(case_rules(app)) >= 25


def test_every_argument_of_every_rule_is_classified(app):
    unknown = {
        (rule.rule, argument)
        for rule in app.url_map.iter_rules()
        for argument in rule.arguments
        if argument not in CASE_ARGUMENTS and argument not in OTHER_ARGUMENTS
    }
    assert unknown == set(), "name these in CASE_ARGUMENTS or OTHER_ARGUMENTS (and test their attacker's side)"


@pytest.fixture
def own_link(world):
    """A valid tracking link, the attacker's own, to an inquiry of theirs: it must open nothing else."""
    from askiso.inquiries.links import issue_tracking_link
    from tests.cases.helpers import new_case

    inquiry = new_case(world.outsider, None, subject="My own inquiry")
    token = issue_tracking_link(inquiry, world.outsider.email)
    db.session.commit()
    return token


def _wrong_answer(caller, persona, user, may_see, rule, method, url, guessed_url):
    """What is wrong with the answer this person gets (None when it follows the rule)."""
    response = caller.call(rule, method, url)
    status = response.status_code
    if status >= 500:
        return f"{status}: fails"
    if "token" in rule.arguments:
        return None if status == 404 else f"{status}: the attacker's own link opened another case"
    if user is None:
        if _is_api_rule(rule):
            return None if status == 401 else f"{status}: the API let a visitor without a token in"
        signed_out = status == 302 and "/login" in response.headers["Location"]
        return None if signed_out else f"{status}: not sent to sign in"
    if may_see:
        # A GET answers the case (staff's inquiry page serves inquiries only); a POST with no data
        # may be refused, but never as "no such case".
        if method == "GET" and status == 404 and rule.endpoint != "inquiries.staff_show":
            return "404 for a person who may see the case"
        return None
    if status != 404:
        return f"{status} where a person who may not see the case must get 404"
    guessed = caller.call(rule, method, guessed_url)
    if guessed.status_code != 404 or (_is_api_rule(rule) and guessed.get_json() != response.get_json()):
        return "the answer differs from a number that does not exist"
    return None


@pytest.mark.parametrize("persona", CAST)
def test_every_case_route_answers_each_person_by_the_rule(app, world, own_link, client_for, persona):
    user = getattr(world, persona) if persona != "anonymous" else None
    case = _target(world, persona)
    caller = Caller(app, client_for, user)
    before = _snapshot(case.id)
    wrong = []
    for rule, method in case_rules(app):
        may_see = _may_see(persona, rule) and case is world.case
        url = _url(rule, case.number, _file_of(world, case), own_link)
        guessed_url = _url(rule, GUESSED_NUMBER, GUESSED_FILE, own_link)
        answer = _wrong_answer(caller, persona, user, may_see, rule, method, url, guessed_url)
        if answer:
            wrong.append(f"{persona} {method} {rule.rule}: {answer}")
    assert wrong == []
    if persona in PARTICIPANTS_WHO_DO_NOT or user is None:
        assert _snapshot(case.id) == before, "a person who may not see the case changed it"
