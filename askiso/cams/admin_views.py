"""Staff administration of the participant register (staff admins only)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from askiso.cams import member_views, participants, rules, services
from askiso.cams.blueprint import bp
from askiso.cams.forms import ActionForm, AddMemberForm, ParticipantForm, RoleForm, StatusForm
from askiso.cams.models import PARTICIPANT_STATUSES
from askiso.cams.services import CamsError
from askiso.core.access import staff_required
from askiso.core.unit_of_work import discard
from askiso.extensions import db

PAGE_SIZE = 25
STATUS_MESSAGES = {
    "active": "{name} is active again: its members can submit cases and its SAs can manage members.",
    "suspended": "{name} is suspended: members can read its cases but cannot submit; SA pages are read-only.",
    "retired": "{name} is retired: members can read its cases but cannot submit; SA pages are read-only.",
}


@bp.route("/staff/participants/")
@staff_required(role="admin")
def admin_participants():
    """Find participants by name or code."""
    q = (request.args.get("q") or "").strip()[:200]
    status = request.args.get("status") if request.args.get("status") in PARTICIPANT_STATUSES else ""
    page = db.paginate(participants.find_participants(q, status), per_page=PAGE_SIZE, max_per_page=PAGE_SIZE,
                       error_out=False)
    counts = participants.member_counts([p.id for p in page.items])
    return render_template("cams/admin_list.html", page=page, q=q, status=status, counts=counts,
                           statuses=PARTICIPANT_STATUSES)


@bp.route("/staff/participants/new", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_new_participant():
    """Register a participant."""
    form = ParticipantForm()
    if form.validate_on_submit():
        try:
            participant = participants.create_participant(current_user, form.name.data, form.code.data)
        except CamsError as exc:
            discard("CamsError refused the request's change")
            _field_error(form, exc)
        else:
            flash(f"{participant.name} ({participant.code}) was created. Now add its first Security "
                  "Administrator.", "success")
            return redirect(url_for("cams.admin_participant", code=participant.code))
    return render_template("cams/admin_form.html", form=form, participant=None)


def _field_error(form, exc):
    target = getattr(form, exc.field or "", None) or form.name
    target.errors = [*target.errors, exc.message]


def _render_participant(participant, add_form=None):
    return render_template(
        "cams/admin_participant.html",
        participant=participant,
        members=services.participant_members(participant),
        former=services.participant_members(participant, active=False),
        activity=participants.participant_activity(participant),
        add_form=add_form or AddMemberForm(formdata=None),
        action_form=ActionForm(),
        role_form=RoleForm(formdata=None),
        status_form=StatusForm(formdata=None),
        sa_count=rules.active_security_admin_count(participant),
        can_change=True,
    )


@bp.route("/staff/participants/<code>/")
@staff_required(role="admin")
def admin_participant(code):
    """Every member with roles, former members, and the participant's audit events."""
    return _render_participant(rules.get_administered_participant_or_404(code, current_user))


@bp.route("/staff/participants/<code>/edit", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_edit_participant(code):
    """Rename a participant or correct its code."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    form = ParticipantForm(obj=participant)
    if form.validate_on_submit():
        try:
            changed = participants.update_participant(current_user, participant, form.name.data, form.code.data)
        except CamsError as exc:
            discard("CamsError refused the request's change")
            _field_error(form, exc)
        else:
            if changed:
                flash(f"{participant.name} ({participant.code}) was saved.", "success")
            return redirect(url_for("cams.admin_participant", code=participant.code))
    return render_template("cams/admin_form.html", form=form, participant=participant)


@bp.route("/staff/participants/<code>/status", methods=["POST"])
@staff_required(role="admin")
def admin_set_status(code):
    """Suspend, retire or reactivate."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    form = StatusForm()
    if not form.validate_on_submit():
        abort(400)
    if participants.set_participant_status(current_user, participant, form.status.data):
        flash(STATUS_MESSAGES[participant.status].format(name=participant.name), "success")
    return redirect(url_for("cams.admin_participant", code=participant.code))


@bp.route("/staff/participants/<code>/members", methods=["POST"])
@staff_required(role="admin")
def admin_add_member(code):
    """Add a member (for example the first Security Administrator)."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    return member_views.add_member(
        participant, staff=True, render_page=lambda add_form: _render_participant(participant, add_form)
    )


@bp.route("/staff/participants/<code>/members/<int:membership_id>/role", methods=["POST"])
@staff_required(role="admin")
def admin_set_role(code, membership_id):
    """Designate or remove a Security Administrator; grant or revoke External Manager."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    return member_views.set_role(participant, membership_id, staff=True)


@bp.route("/staff/participants/<code>/members/<int:membership_id>/end", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_end_membership(code, membership_id):
    """End a membership after a confirmation step."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    return member_views.end_membership(participant, membership_id, staff=True)


@bp.route("/staff/participants/<code>/members/<int:membership_id>/resend", methods=["POST"])
@staff_required(role="admin")
def admin_resend_invitation(code, membership_id):
    """Email a new set-password link."""
    participant = rules.get_administered_participant_or_404(code, current_user)
    return member_views.resend_invitation(participant, membership_id, staff=True)
