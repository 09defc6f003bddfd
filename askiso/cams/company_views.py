"""'My company': Security Administrator self-service for their own participants only."""

from flask import abort, redirect, render_template, url_for
from flask_login import current_user

from askiso.cams import member_views, rules, services
from askiso.cams.blueprint import bp
from askiso.cams.forms import ActionForm, AddMemberForm, RoleForm
from askiso.cams.participants import participant_activity
from askiso.core.access import login_required


@bp.route("/company/")
@login_required
def my_company():
    """The participants where you are a Security Administrator."""
    participants = services.managed_participants_for(current_user)
    if not participants:
        abort(404)
    if len(participants) == 1:
        return redirect(url_for("cams.company", code=participants[0].code))
    return render_template("cams/company_index.html", participants=participants)


def _render_company(participant, add_form=None):
    return render_template(
        "cams/company.html",
        participant=participant,
        members=services.participant_members(participant),
        former=services.participant_members(participant, active=False),
        activity=participant_activity(participant, cams_only=True, limit=50),
        add_form=add_form or AddMemberForm(formdata=None),
        action_form=ActionForm(),
        role_form=RoleForm(formdata=None),
        can_change=rules.can_change_members(current_user, participant),
        sa_count=rules.active_security_admin_count(participant),
        several=len(services.managed_participants_for(current_user)) > 1,
    )


@bp.route("/company/<code>/")
@login_required
def company(code):
    """Members, former members and membership activity of one participant."""
    participant = rules.get_managed_participant_or_404(code, current_user)
    return _render_company(participant)


@bp.route("/company/<code>/members", methods=["POST"])
@login_required
def company_add_member(code):
    """Add a person by email (existing account or a new invitation)."""
    participant = rules.get_managed_participant_or_404(code, current_user)
    return member_views.add_member(
        participant, staff=False, render_page=lambda add_form: _render_company(participant, add_form)
    )


@bp.route("/company/<code>/members/<int:membership_id>/role", methods=["POST"])
@login_required
def company_set_role(code, membership_id):
    """Grant or revoke External Manager or Security Administrator."""
    participant = rules.get_managed_participant_or_404(code, current_user)
    return member_views.set_role(participant, membership_id, staff=False)


@bp.route("/company/<code>/members/<int:membership_id>/end", methods=["GET", "POST"])
@login_required
def company_end_membership(code, membership_id):
    """End a membership after a confirmation step."""
    participant = rules.get_managed_participant_or_404(code, current_user)
    return member_views.end_membership(participant, membership_id, staff=False)


@bp.route("/company/<code>/members/<int:membership_id>/resend", methods=["POST"])
@login_required
def company_resend_invitation(code, membership_id):
    """Email a new set-password link."""
    participant = rules.get_managed_participant_or_404(code, current_user)
    return member_views.resend_invitation(participant, membership_id, staff=False)
