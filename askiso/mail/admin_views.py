"""Staff admin pages: the outbox (failed and waiting mail) and received mail for review."""

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from askiso.audit.services import record
from askiso.core.access import staff_required
from askiso.extensions import db
from askiso.mail.blueprint import bp
from askiso.mail.models import INBOUND_STATUSES, InboundEmail, OutboxEmail
from askiso.mail.sender import retry_now

PAGE = 100
OUTBOX_VIEWS = {
    "problems": ("pending", "sending", "failed"), "failed": ("failed",), "sent": ("sent",), "dropped": ("dropped",),
}


@bp.route("/staff/mail/outbox")
@staff_required(role="admin")
def admin_outbox():
    """Emails not delivered yet or given up, with their last error."""
    view = request.args.get("view", "problems")
    statuses = OUTBOX_VIEWS.get(view, OUTBOX_VIEWS["problems"])
    rows = db.session.scalars(
        select(OutboxEmail).where(OutboxEmail.status.in_(statuses)).order_by(OutboxEmail.id.desc()).limit(PAGE)
    ).all()
    counts = dict(db.session.execute(select(OutboxEmail.status, func.count()).group_by(OutboxEmail.status)).all())
    return render_template("mail/admin_outbox.html", rows=rows, counts=counts, view=view)


@bp.route("/staff/mail/outbox/<int:email_id>/retry", methods=["POST"])
@staff_required(role="admin")
def admin_retry(email_id):
    """Try one email again at once."""
    row = db.session.get(OutboxEmail, email_id) or abort(404)
    if retry_now(row):
        record("mail.retry", current_user, outbox_id=row.id)
        flash(f"Email #{row.id} to {', '.join(row.recipients)} will be sent again now.", "success")
    else:
        if row.status == "sent":
            message = "That email was already sent."
        elif row.status == "dropped":
            message = "That email was dropped: its recipient may no longer see the case."
        else:
            message = "A mail worker is sending that email right now; it is not sent again."
        flash(message, "info")
    return redirect(url_for("mail.admin_outbox", view=request.form.get("view", "problems")))


@bp.route("/staff/mail/outbox/retry-failed", methods=["POST"])
@staff_required(role="admin")
def admin_retry_failed():
    """Try every given-up email again."""
    rows = db.session.scalars(select(OutboxEmail).where(OutboxEmail.status == "failed")).all()
    for row in rows:
        retry_now(row)
    record("mail.retry_failed", current_user, count=len(rows))
    flash(f"{len(rows)} failed {'email' if len(rows) == 1 else 'emails'} will be sent again now.", "success")
    return redirect(url_for("mail.admin_outbox"))


@bp.route("/staff/mail/inbound")
@staff_required(role="admin")
def admin_inbound():
    """Received mail, by status (review first)."""
    status = request.args.get("status", "review")
    stmt = select(InboundEmail).order_by(InboundEmail.id.desc()).limit(PAGE)
    if status in INBOUND_STATUSES:
        stmt = stmt.where(InboundEmail.status == status)
    counts = dict(db.session.execute(select(InboundEmail.status, func.count()).group_by(InboundEmail.status)).all())
    return render_template(
        "mail/admin_inbound.html",
        rows=db.session.scalars(stmt).all(),
        counts=counts,
        status=status,
        statuses=INBOUND_STATUSES,
    )


@bp.route("/staff/mail/inbound/<int:inbound_id>")
@staff_required(role="admin")
def admin_inbound_show(inbound_id):
    """One received message: what was read from it and why it went where it went."""
    from askiso.mail.parsing import ParseProblem, parse_message

    row = db.session.get(InboundEmail, inbound_id) or abort(404)
    try:
        parsed, problem = parse_message(row.raw), None
    except ParseProblem as exc:
        parsed, problem = None, str(exc)
    return render_template("mail/admin_inbound_show.html", row=row, parsed=parsed, problem=problem)


@bp.route("/staff/mail/inbound/<int:inbound_id>/raw")
@staff_required(role="admin")
def admin_inbound_raw(inbound_id):
    """The stored message as a download (never shown as a page)."""
    row = db.session.get(InboundEmail, inbound_id) or abort(404)
    record("mail.inbound_downloaded", current_user, inbound_id=row.id)
    return Response(
        row.raw,
        mimetype="application/octet-stream",
        headers={"Content-Disposition": f'attachment; filename="inbound-{row.id}.eml"'},
    )


@bp.route("/staff/mail/inbound/<int:inbound_id>/reprocess", methods=["POST"])
@staff_required(role="admin")
def admin_reprocess(inbound_id):
    """Route a message again (after a fix, or once its sender got an account)."""
    from askiso.mail.inbound import handle

    row = db.session.get(InboundEmail, inbound_id) or abort(404)
    if row.status not in ("review", "received", "refused"):
        flash("Only messages kept for review, or refused ones, can be handled again.", "warning")
        return redirect(url_for("mail.admin_inbound_show", inbound_id=row.id))
    # "Accept the sender": an admin checked that mail held as unauthenticated is genuine.
    vouched = request.form.get("vouch") == "1"
    handle(row, sender_vouched=vouched)
    record("mail.inbound_reprocessed", current_user, inbound_id=row.id, status=row.status, sender_vouched=vouched)
    flash(f"Handled again: {row.status}{' — ' + row.reason if row.reason else ''}.", "info")
    return redirect(url_for("mail.admin_inbound_show", inbound_id=row.id))
