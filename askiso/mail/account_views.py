"""The person's own mail settings, and choosing the company of an emailed case."""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cases import rules
from askiso.core.access import login_required
from askiso.extensions import db
from askiso.mail.blueprint import bp
from askiso.mail.models import InboundEmail
from askiso.mail.preferences import options_for, save_preferences


@bp.app_template_global()
def notification_options():
    """For the account page's include: the optional notifications of the signed-in person."""
    if not current_user or not current_user.is_authenticated:
        return []
    return options_for(current_user)


@bp.route("/account/notifications", methods=["POST"])
@login_required
def preferences():
    """Save which optional notifications the person gets."""
    chosen = set(request.form.getlist("notify"))
    save_preferences(current_user, chosen)
    flash("Your email notification choices are saved.", "success")
    if "account.index" in current_app.view_functions:
        return redirect(url_for("account.index") + "#notifications")
    return redirect("/")


def _pending_or_404(inbound_id):
    row = db.session.scalar(
        select(InboundEmail).where(
            InboundEmail.id == inbound_id,
            InboundEmail.user_id == current_user.id,
            InboundEmail.status == "pending",
        )
    )
    if row is None:
        abort(404)
    return row


@bp.route("/mail/choose/<int:inbound_id>", methods=["GET", "POST"])
@login_required
def choose_participant(inbound_id):
    """The sender of an email picks the company it is for; then the case opens."""
    from askiso.mail.inbound import open_case
    from askiso.mail.parsing import parse_message

    row = _pending_or_404(inbound_id)
    participants = rules.submittable_participants(current_user)
    parsed = parse_message(row.raw)
    error = None
    if request.method == "POST":
        chosen = {str(p.id): p for p in participants}.get(request.form.get("participant", ""))
        if chosen is None:
            error = "Choose the company this email is for."
        else:
            open_case(row, parsed, current_user, chosen.id)
            if row.case is not None:
                flash(f"Case {row.case.number} is open. A receipt is on its way.", "success")
                return redirect(f"/cases/{row.case.number}")
            flash("The email could not become a case; Participant Support will look at it.", "warning")
            return redirect("/")
    return render_template(
        "mail/choose_participant.html",
        row=row,
        parsed=parsed,
        participants=participants,
        error=error,
        selected=request.form.get("participant", ""),
    ), (400 if error else 200)
