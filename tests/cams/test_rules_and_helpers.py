"""The named CAMS rules and the helpers other features use (cases' participant chooser)."""

import pytest
from flask import render_template_string
from werkzeug.exceptions import NotFound

from askiso.cams import rules
from askiso.cams.models import Membership
from askiso.cams.services import active_participants_for, memberships_for, submittable_participants_for
from askiso.extensions import db
from tests.factories import add_member, make_participant


def _membership(user, participant):
    return db.session.scalar(db.select(Membership).where(
        Membership.user_id == user.id, Membership.participant_id == participant.id, Membership.is_active.is_(True)))


@pytest.mark.parametrize("who,alpha,beta", [
    ("alpha_sa", True, False), ("beta_sa", False, True), ("alpha_user", False, False),
    ("alpha_manager", False, False), ("both", False, False), ("former", False, False),
    ("outsider", False, False), ("agent", False, False), ("supervisor", False, False), ("admin", True, True),
])
def test_can_manage_members(people, who, alpha, beta):
    user = getattr(people, who)
    assert rules.can_manage_members(user, people.alpha) is alpha
    assert rules.can_manage_members(user, people.beta) is beta


def test_can_change_members_is_read_only_for_sas_of_suspended_participants(people):
    assert rules.can_change_members(people.alpha_sa, people.alpha)
    people.alpha.status = "suspended"
    assert not rules.can_change_members(people.alpha_sa, people.alpha)
    assert rules.can_manage_members(people.alpha_sa, people.alpha)
    assert rules.can_change_members(people.admin, people.alpha)


def test_inactive_account_is_no_sa(people):
    people.alpha_sa.is_active = False
    assert not rules.is_security_admin_of(people.alpha_sa, people.alpha)


def test_last_sa_rule(people):
    sa = _membership(people.alpha_sa, people.alpha)
    assert rules.is_last_security_admin(sa)
    assert rules.protects_last_security_admin(sa, staff=False)
    assert not rules.protects_last_security_admin(sa, staff=True)
    _membership(people.alpha_user, people.alpha).is_security_admin = True
    db.session.flush()
    assert not rules.is_last_security_admin(sa)


def test_loader_404s_across_participants(people):
    assert rules.get_managed_participant_or_404("alpha", people.alpha_sa) == people.alpha
    for code, user in (("BETA", people.alpha_sa), ("ALPHA", people.alpha_manager), ("ALPHA", people.admin)):
        with pytest.raises(NotFound):
            rules.get_managed_participant_or_404(code, user)
    beta_membership = _membership(people.beta_user, people.beta)
    with pytest.raises(NotFound):
        rules.get_membership_or_404(people.alpha, beta_membership.id)


def test_active_and_submittable_participants(people):
    gamma = make_participant("Gamma Suspended", "GAMMA", status="suspended")
    add_member(people.both, gamma)
    db.session.commit()
    assert [p.code for p in active_participants_for(people.both)] == ["ALPHA", "BETA", "GAMMA"]
    assert [p.code for p in submittable_participants_for(people.both)] == ["ALPHA", "BETA"]
    assert [p.code for p in active_participants_for(people.alpha_user)] == ["ALPHA"]
    assert active_participants_for(people.former) == []
    assert active_participants_for(people.outsider) == []
    assert len(memberships_for(people.former, include_ended=True)) == 1


def test_account_partial_lists_active_and_former_companies(people, app):
    gamma = make_participant("Gamma Suspended", "GAMMA", status="suspended")
    add_member(people.former, gamma, external_manager=True)
    db.session.commit()
    with app.test_request_context("/"):
        html = render_template_string('{% include "cams/_account_memberships.html" %}', current_user=people.former)
    assert "Gamma Suspended" in html and "Ask ISO/External Manager" in html and "Suspended" in html
    assert "Former companies" in html and "Alpha Power LLC" in html
    with app.test_request_context("/"):
        html = render_template_string('{% include "cams/_account_memberships.html" %}', current_user=people.outsider)
    assert "do not act for any market participant" in html


def test_services_refuse_a_non_sa_even_without_the_view_loaders(people):
    """Defence in depth: the service checks the actor too."""
    from askiso.cams import services

    beta_member = _membership(people.beta_user, people.beta)
    with pytest.raises(PermissionError):
        services.add_member(people.alpha_sa, people.beta, "x@beta.test", name="X")
    with pytest.raises(PermissionError):
        services.set_role(people.alpha_sa, beta_member, "security_admin", True)
    with pytest.raises(PermissionError):
        services.end_membership(people.alpha_sa, beta_member)
    with pytest.raises(PermissionError):
        services.end_membership(people.alpha_manager, _membership(people.alpha_user, people.alpha))
