"""Search never finds, nor shows a word of, a case or note someone may not see."""

from askiso.cams.models import Membership
from askiso.extensions import db
from askiso.search.worker import process_queue
from tests.search.conftest import find, make_case, results


def _alpha_case_with_note(people):
    return make_case(
        people.alpha,
        people.alpha_user,
        "Meter data for unit 7",
        "Our meter readings look off.",
        messages=[
            ("We are checking the telemetry feed.", False, people.agent),
            ("Suspect zanzibarite calibration drift, do not tell them yet.", True, people.agent),
        ],
    )


def test_word_only_in_internal_note_is_never_found_by_participants(backend, people):
    case = _alpha_case_with_note(people)
    for viewer in (people.alpha_user, people.alpha_manager, people.both, people.alpha_colleague):
        assert find(viewer, "zanzibarite") == [], viewer.email
        assert find(viewer, "zanzibar*") == [], viewer.email
        assert find(viewer, '"calibration drift"') == [], viewer.email
    assert find(people.agent, "zanzibarite") == [case.number]
    assert find(people.supervisor, "zanzibar*") == [case.number]


def test_field_syntax_cannot_reach_the_internal_field(backend, people):
    _alpha_case_with_note(people)
    for q in ("internal:zanzibarite", "internal:zanzibar*", "body:zanzibarite OR internal:zanzibarite"):
        assert find(people.alpha_manager, q) == [], q


def test_participant_snippets_never_come_from_internal_notes(backend, people):
    make_case(
        people.alpha,
        people.alpha_user,
        "Telemetry question",
        "Is telemetry delayed?",
        messages=[("telemetry outage caused by quokkastorm upgrade", True, people.agent)],
    )
    page = results(people.alpha_user, "telemetry")
    assert len(page.results) == 1
    snippet = str(page.results[0].snippet or "")
    assert "quokkastorm" not in snippet and "outage" not in snippet
    assert page.results[0].snippet_is_internal is False


def test_staff_see_internal_snippet_labelled(backend, people):
    _alpha_case_with_note(people)
    page = results(people.agent, "zanzibarite")
    result = page.results[0]
    assert result.snippet_is_internal is True
    assert "<mark>zanzibarite</mark>" in str(result.snippet).lower()


def test_participant_never_finds_another_companys_case(backend, people):
    beta_case = make_case(people.beta, people.beta_user, "Quasar settlement dispute", "quasar charges wrong")
    alpha_case = make_case(people.alpha, people.alpha_user, "Quasar question", "quasar question from alpha")
    assert find(people.alpha_user, "quasar") == [alpha_case.number]
    assert find(people.alpha_manager, "quasar") == [alpha_case.number]
    assert find(people.beta_manager, "quasar") == [beta_case.number]
    assert find(people.outsider, "quasar") == []
    assert find(people.alpha_user, beta_case.number) == []
    assert find(people.alpha_user, "quasar", participant="") == [alpha_case.number]
    assert find(people.alpha_manager, "quasar participant:BETA") == []


def test_plain_member_sees_only_own_or_followed_cases(backend, people):
    own = make_case(people.alpha, people.alpha_user, "Nebula access request")
    followed = make_case(people.alpha, people.alpha_colleague, "Nebula password reset", contacts=[people.alpha_user])
    other = make_case(people.alpha, people.alpha_colleague, "Nebula billing question")
    assert sorted(find(people.alpha_user, "nebula")) == sorted([own.number, followed.number])
    assert other.number in find(people.alpha_manager, "nebula")


def test_former_member_finds_nothing_of_the_company_they_left(backend, people):
    case = make_case(people.alpha, people.former, "Pulsar registration form", "submitted by fay")
    assert find(people.former, "pulsar") == []
    assert find(people.alpha_manager, "pulsar") == [case.number]


def test_ending_a_membership_hides_cases_at_once(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Comet capacity question")
    assert find(people.alpha_user, "comet") == [case.number]
    membership = db.session.scalar(
        db.select(Membership).where(
            Membership.user_id == people.alpha_user.id, Membership.participant_id == people.alpha.id
        )
    )
    membership.is_active = False
    db.session.commit()
    assert find(people.alpha_user, "comet") == []


def test_external_manager_finds_company_case_by_a_word_from_a_staff_reply(backend, people):
    case = make_case(
        people.alpha,
        people.alpha_colleague,
        "Invoice question",
        "Which invoice applies?",
        messages=[("Please use the xylophonic reconciliation template.", False, people.agent)],
    )
    assert find(people.alpha_manager, "xylophonic") == [case.number]
    assert find(people.beta_manager, "xylophonic") == []
    assert find(people.alpha_user, "xylophonic") == []


def test_member_of_two_companies_sees_each_only_by_their_rules(backend, people):
    alpha_case = make_case(people.alpha, people.both, "Gamma report alpha")
    beta_case = make_case(people.beta, people.both, "Gamma report beta")
    beta_other = make_case(people.beta, people.beta_user, "Gamma report other beta")
    assert sorted(find(people.both, "gamma")) == sorted([alpha_case.number, beta_case.number])
    assert beta_other.number not in find(people.both, "gamma")


def test_non_participant_finds_only_own_inquiries(backend, people):
    mine = make_case(None, people.outsider, "Vortex general inquiry")
    theirs = make_case(None, people.alpha_user, "Vortex other inquiry")
    assert find(people.outsider, "vortex") == [mine.number]
    assert theirs.number not in find(people.outsider, "vortex")


def test_stale_index_entries_are_rechecked_before_showing(backend, people):
    case = make_case(people.alpha, people.alpha_user, "Ion exchange question")
    process_queue()
    # Move the case to another company without letting the index hear of it:
    # the index still says "alpha", the database no longer does.
    from sqlalchemy import update

    from askiso.cases.models import Case

    db.session.execute(update(Case).where(Case.id == case.id).values(participant_id=people.beta.id))
    db.session.commit()
    assert find(people.alpha_user, "ion") == []


def test_agent_restricted_to_queues_finds_only_their_queues(backend, people, app):
    from askiso.cases.models import QueueMember, RequestType

    app.config["STAFF_RESTRICT_TO_QUEUES"] = True
    try:
        general = make_case(people.alpha, people.alpha_user, "Photon general", request_type="general_question")
        billing = make_case(people.alpha, people.alpha_user, "Photon billing", request_type="billing_dispute")
        rtype = db.session.scalar(db.select(RequestType).where(RequestType.key == "general_question"))
        db.session.add(QueueMember(queue_id=rtype.queue_id, user_id=people.agent.id))
        db.session.commit()
        assert find(people.agent, "photon") == [general.number]
        assert sorted(find(people.supervisor, "photon")) == sorted([general.number, billing.number])
    finally:
        app.config["STAFF_RESTRICT_TO_QUEUES"] = False


def test_the_engine_query_itself_is_scoped(backend, people):
    """Defence in depth: even before the re-check, the index answers within scope."""
    from askiso.search.backends import get_backend
    from askiso.search.query import parse_query

    make_case(people.beta, people.beta_user, "Scoped zircon", "zircon")
    mine = make_case(people.alpha, people.alpha_user, "Scoped zircon mine", "zircon")
    make_case(people.alpha, people.former, "Scoped zircon former", "zircon")
    process_queue()
    for viewer, expected in ((people.alpha_user, {mine.id}), (people.former, set()), (people.outsider, set())):
        hits, total = get_backend().search(viewer, parse_query("zircon"), 0, 20)
        assert {h.case_id for h in hits} == expected, viewer.email
        assert total == len(expected)
