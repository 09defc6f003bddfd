"""Member-list actions shared by the staff pages and the SA self-service pages.

Each takes the participant already loaded *and checked* by the caller's loader,
and `staff`, which is True only on the staff admin pages.
"""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from askiso.auth.models import normalize_email
from askiso.cams import rules, services
from askiso.cams.forms import ActionForm, AddMemberForm, EndMembershipForm, RoleForm
from askiso.cams.models import ROLE_LABELS
from askiso.cams.services import CamsError
from askiso.core.unit_of_work import discard


def _show_url(participant, staff):
    return url_for("cams.admin_participant" if staff else "cams.company", code=participant.code)


def _refuse(exc):
    discard("the request's change was refused")
    flash(exc.message, "error")


def add_member(participant, *, staff, render_page):
    """Validate the add form and add the person; re-render the page with errors otherwise."""
    form = AddMemberForm()
    valid = form.validate_on_submit()
    if valid and not staff and not form.name.data:
        # Asked for every address, so that the page never tells whether the address has an account.
        form.name.errors = [*form.name.errors, "Enter the person's full name."]
        valid = False
    if not valid:
        return render_page(add_form=form)
    try:
        membership, invited = services.add_member(
            current_user, participant, form.email.data, name=form.name.data, roles=form.roles(), staff=staff
        )
    except PermissionError:
        abort(404)
    except CamsError as exc:
        discard("CamsError refused the request's change")
        target = getattr(form, exc.field or "", None) or form.email
        target.errors = [*target.errors, exc.message]
        return render_page(add_form=form)
    if not staff:
        # One answer whatever the address (new, existing, staff, deactivated): no name, no account facts.
        flash(f"{normalize_email(form.email.data)} was added to {participant.name}; they get an email.", "success")
        return redirect(_show_url(participant, staff))
    user = membership.user
    if invited:
        flash(f"{user.name} was added to {participant.name}. We emailed {user.email} a link to set a password "
              "(it works once and expires in 72 hours).", "success")
    else:
        flash(f"{user.name} ({user.email}) was added to {participant.name} and told by email.", "success")
    return redirect(_show_url(participant, staff))


def set_role(participant, membership_id, *, staff):
    """Grant or revoke one role on a membership of this participant."""
    membership = rules.get_membership_or_404(participant, membership_id)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    grant = form.grant.data == "1"
    try:
        changed = services.set_role(current_user, membership, form.role.data, grant, staff=staff)
    except PermissionError:
        abort(404)
    except CamsError as exc:
        _refuse(exc)
        return redirect(_show_url(participant, staff))
    if changed:
        label = ROLE_LABELS[form.role.data]
        verb = "now holds" if grant else "no longer holds"
        flash(f"{membership.user.name} {verb} the {label} role for {participant.name}.", "success")
    return redirect(_show_url(participant, staff))


def end_membership(participant, membership_id, *, staff):
    """Confirmation page (GET) and the confirmed end (POST with confirm=yes)."""
    membership = rules.get_membership_or_404(participant, membership_id)
    form = EndMembershipForm()
    if request.method == "POST" and form.validate_on_submit():
        try:
            services.end_membership(current_user, membership, staff=staff)
        except PermissionError:
            abort(404)
        except CamsError as exc:
            _refuse(exc)
            return redirect(_show_url(participant, staff))
        flash(f"{membership.user.name}'s membership of {participant.name} has ended.", "success")
        if membership.user_id == current_user.id and not staff:
            return redirect(url_for("main.home"))
        return redirect(_show_url(participant, staff))
    return render_template(
        "cams/confirm_end.html",
        participant=participant,
        membership=membership,
        form=form,
        staff=staff,
        back_url=_show_url(participant, staff),
        can_change=rules.can_change_members(current_user, participant),
        is_protected=rules.protects_last_security_admin(membership, staff=staff),
    )


def resend_invitation(participant, membership_id, *, staff):
    """Send a fresh set-password link to a member who has not set a password yet."""
    membership = rules.get_membership_or_404(participant, membership_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.resend_invitation(current_user, membership, staff=staff)
    except PermissionError:
        abort(404)
    except CamsError as exc:
        _refuse(exc)
        return redirect(_show_url(participant, staff))
    flash(f"A new set-password link was emailed to {membership.user.email}. Older links no longer work.", "success")
    return redirect(_show_url(participant, staff))
