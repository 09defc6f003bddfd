"""SA self-service seen from the attacker's side: other participants answer 404."""

import pytest

from askiso.cams.models import Membership
from askiso.extensions import db
from tests.factories import add_member, make_participant


def _membership(user, participant):
    return db.session.scalar(
        db.select(Membership).where(Membership.user_id == user.id, Membership.participant_id == participant.id)
    )


def _state(membership):
    db.session.expire_all()
    m = db.session.get(Membership, membership.id)
    return (m.is_active, m.is_external_manager, m.is_security_admin)


def test_sa_sees_own_company_but_not_another(people, client_for):
    client = client_for(people.alpha_sa)
    own = client.get("/company/ALPHA/")
    assert own.status_code == 200
    assert b"ann.user@alpha.test" in own.data
    assert b"bob.user@beta.test" not in own.data
    assert client.get("/company/BETA/").status_code == 404
    assert client.get("/company/beta/").status_code == 404
    assert client.get("/company/NOPE/").status_code == 404


def test_my_company_redirects_a_single_sa_to_their_participant(people, client_for):
    response = client_for(people.alpha_sa).get("/company/")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/company/ALPHA/")


@pytest.mark.parametrize("who", ["alpha_user", "alpha_manager", "both", "former", "outsider"])
def test_non_sas_get_404_on_every_sa_page(people, client_for, who):
    client = client_for(getattr(people, who))
    target = _membership(people.alpha_user, people.alpha)
    assert client.get("/company/").status_code == 404
    assert client.get("/company/ALPHA/").status_code == 404
    assert client.get(f"/company/ALPHA/members/{target.id}/end").status_code == 404
    assert client.post("/company/ALPHA/members", data={"email": "x@alpha.test", "name": "X"}).status_code == 404
    role = {"role": "security_admin", "grant": "1"}
    assert client.post(f"/company/ALPHA/members/{target.id}/role", data=role).status_code == 404
    assert client.post(f"/company/ALPHA/members/{target.id}/end", data={"confirm": "yes"}).status_code == 404
    assert client.post(f"/company/ALPHA/members/{target.id}/resend").status_code == 404
    assert _state(target) == (True, False, False)


def test_staff_get_404_on_sa_pages(people, client_for):
    client = client_for(people.admin)
    assert client.get("/company/").status_code == 404
    assert client.get("/company/ALPHA/").status_code == 404


def test_sa_of_alpha_cannot_change_beta_by_its_own_urls(people, client_for):
    client = client_for(people.alpha_sa)
    beta_member = _membership(people.beta_user, people.beta)
    mid = beta_member.id
    assert client.post("/company/BETA/members", data={"email": "evil@x.test", "name": "Evil"}).status_code == 404
    assert client.post(f"/company/BETA/members/{mid}/role",
                       data={"role": "external_manager", "grant": "1"}).status_code == 404
    assert client.get(f"/company/BETA/members/{mid}/end").status_code == 404
    assert client.post(f"/company/BETA/members/{mid}/end", data={"confirm": "yes"}).status_code == 404
    assert client.post(f"/company/BETA/members/{mid}/resend").status_code == 404
    assert _state(beta_member) == (True, False, False)
    assert db.session.scalar(db.select(Membership).join(Membership.user).where(
        Membership.participant_id == people.beta.id, Membership.user.has(email="evil@x.test"))) is None


def test_replaying_beta_membership_ids_through_alpha_urls_is_refused(people, client_for):
    """A captured request with B's membership id posted to A's URL finds nothing."""
    client = client_for(people.alpha_sa)
    for victim in (people.beta_user, people.beta_sa, people.beta_manager):
        m = _membership(victim, people.beta)
        before = _state(m)
        assert client.post(f"/company/ALPHA/members/{m.id}/role",
                           data={"role": "security_admin", "grant": "1"}).status_code == 404
        assert client.post(f"/company/ALPHA/members/{m.id}/role",
                           data={"role": "security_admin", "grant": "0"}).status_code == 404
        assert client.get(f"/company/ALPHA/members/{m.id}/end").status_code == 404
        assert client.post(f"/company/ALPHA/members/{m.id}/end", data={"confirm": "yes"}).status_code == 404
        assert client.post(f"/company/ALPHA/members/{m.id}/resend").status_code == 404
        assert _state(m) == before


def test_person_in_both_is_managed_per_participant(people, client_for):
    """Dana belongs to Alpha and Beta: Alpha's SA ends only the Alpha membership."""
    both_beta = _membership(people.both, people.beta)
    both_alpha = _membership(people.both, people.alpha)
    client = client_for(people.alpha_sa)
    # Beta's membership of the shared person, replayed on Alpha's URL.
    assert client.post(f"/company/ALPHA/members/{both_beta.id}/end", data={"confirm": "yes"}).status_code == 404
    assert client.post(f"/company/ALPHA/members/{both_alpha.id}/end", data={"confirm": "yes"}).status_code == 302
    assert _state(both_alpha)[0] is False
    assert _state(both_beta)[0] is True


def test_guessed_ids_of_ended_memberships_cannot_be_changed(people, client_for):
    ended = _membership(people.former, people.alpha)
    client = client_for(people.alpha_sa)
    assert client.post(f"/company/ALPHA/members/{ended.id}/role",
                       data={"role": "security_admin", "grant": "1"}).status_code == 404
    assert _state(ended) == (False, False, False)


def test_former_sa_loses_sa_pages_at_once(people, client_for):
    client = client_for(people.alpha_sa)
    assert client.get("/company/ALPHA/").status_code == 200
    membership = _membership(people.alpha_sa, people.alpha)
    membership.is_active = False
    db.session.commit()
    assert client.get("/company/ALPHA/").status_code == 404


def test_sa_of_two_participants_sees_both_and_only_those(people, client_for):
    gamma = make_participant("Gamma Gen", "GAMMA")
    add_member(people.alpha_sa, gamma, security_admin=True)
    delta = make_participant("Delta Trading", "DELTA")
    add_member(people.alpha_sa, delta)  # plain member only
    db.session.commit()
    client = client_for(people.alpha_sa)
    index = client.get("/company/")
    assert index.status_code == 200
    assert b"Alpha Power LLC" in index.data and b"Gamma Gen" in index.data
    assert b"Delta Trading" not in index.data and b"Beta Energy" not in index.data
    assert client.get("/company/GAMMA/").status_code == 200
    assert client.get("/company/DELTA/").status_code == 404


def test_sa_activity_shows_only_membership_events_of_own_participant(people, client_for):
    beta_client = client_for(people.beta_sa)
    beta_client.post("/company/BETA/members", data={"email": "secret.hire@beta.test", "name": "Secret Hire"})
    page = client_for(people.alpha_sa).get("/company/ALPHA/")
    assert b"Secret Hire" not in page.data
    assert b"secret.hire" not in page.data


def test_new_sa_role_granted_by_sa_requires_membership_of_that_participant(people, client_for):
    """Even a user id of an outsider cannot be smuggled: adding works by email only, into A."""
    client = client_for(people.alpha_sa)
    response = client.post("/company/ALPHA/members", data={"email": people.beta_user.email, "name": "B",
                                                           "participant_id": people.beta.id})
    assert response.status_code == 302
    assert _membership(people.beta_user, people.alpha).is_active
    assert db.session.scalar(db.select(db.func.count(Membership.id)).where(
        Membership.user_id == people.beta_user.id, Membership.participant_id == people.beta.id)) == 1



def test_sa_activity_leaves_out_other_features_events(people, client_for):
    from askiso.audit.services import record

    record("cases.note_added", people.agent, participant=people.alpha, subject_user=people.alpha_user,
           note_excerpt="Internal-only remark")
    db.session.commit()
    sa_page = client_for(people.alpha_sa).get("/company/ALPHA/").get_data(as_text=True)
    assert "cases.note_added" not in sa_page
    staff_page = client_for(people.admin).get("/staff/participants/ALPHA/").get_data(as_text=True)
    assert "cases.note_added" in staff_page


def test_add_member_answers_the_same_whatever_the_address(people, client_for):
    """Issue 20, finding 6. Attack: an SA probes addresses on the add-member page to learn whether
    each has an Ask ISO account, the owner's name, or that it is an ISO staff address."""
    from tests.factories import make_user

    make_user("gone@elsewhere.test", "Gwen Gone").is_active = False
    db.session.commit()
    client = client_for(people.alpha_sa)
    answers = {}
    for email in ("brand.new@nowhere.test", people.beta_user.email, people.agent.email, people.admin.email,
                  "gone@elsewhere.test"):
        response = client.post("/company/ALPHA/members", data={"email": email, "name": "Pat Probe"})
        assert response.status_code == 302
        page = client.get(response.headers["Location"]).get_data(as_text=True)
        flash = page.split('class="flash', 1)[1].split("</", 1)[0]
        answers[email] = flash.replace(email, "<address>")
    assert len(set(answers.values())) == 1, answers
    [answer] = set(answers.values())
    assert "they get an email" in answer
    for secret in ("Bob User", "Alex Agent", "Avery Admin", "Gwen Gone", "staff", "account", "deactivated"):
        assert secret not in answer
    # Staff and deactivated addresses were not added; the existing account's name shows only now it is a member.
    page = client.get("/company/ALPHA/").get_data(as_text=True)
    assert "Alex Agent" not in page and "Avery Admin" not in page and "Gwen Gone" not in page
    assert "Bob User" in page
