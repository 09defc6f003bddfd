"""The notices pages: the list, opening one (to its case), mark read, and the bell's count."""

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cases.models import Case
from askiso.core.access import login_required
from askiso.extensions import db
from askiso.notifications import queries, services
from askiso.notifications.kinds import KINDS, kinds_for, preference_key
from askiso.visibility import case_clause, scoped

bp = Blueprint("notifications", __name__, url_prefix="/notifications")


@bp.app_template_global("notification_unread_count")
def notification_unread_count():
    """For the header's bell: the signed-in person's unread notices (capped, see queries.COUNT_CAP)."""
    if not current_user or not current_user.is_authenticated:
        return 0
    return queries.unread_count(current_user._get_current_object())


@bp.app_template_global("notice_preference_rows")
def notice_preference_rows():
    """For the account page's notification settings: (label, [(key, on) per channel]) per kind; a kind
    without an email channel of its own has one channel (its email is a case email chosen above)."""
    from askiso.mail.preferences import wants

    if not current_user or not current_user.is_authenticated:
        return []
    rows = []
    for kind in kinds_for(current_user):
        keys = [preference_key(channel, kind) for channel in KINDS[kind].channels]
        rows.append((kind, KINDS[kind].label, [(key, wants(current_user, key)) for key in keys]))
    return rows


@bp.route("/")
@login_required
def index():
    """The person's notices, newest first; unread ones marked."""
    unread_only = request.args.get("show") == "unread"
    before = request.args.get("before", type=int)
    before = before if before is not None and 0 < before < 2**31 else None
    viewer = current_user._get_current_object()
    rows, next_before = queries.notices(viewer, before=before, unread_only=unread_only)
    return render_template(
        "notifications/index.html",
        rows=rows,
        next_before=next_before,
        unread_only=unread_only,
        unread=queries.unread_count(viewer),
        count_cap=queries.COUNT_CAP,
    )


@bp.route("/count")
@login_required
def count():
    """The bell's count, for its polling script."""
    unread = queries.unread_count(current_user._get_current_object())
    return jsonify(unread=unread, capped=unread >= queries.COUNT_CAP)


def _case_number_or_404(notification_id):
    """The number of the case of one of the person's notices, asked of the visibility rule now."""
    viewer = current_user._get_current_object()
    notice = services.notice_of(viewer, notification_id)
    if notice is None:
        abort(404)
    number = db.session.scalar(scoped(select(Case.number).where(Case.id == notice.case_id, case_clause(viewer))))
    if number is None:
        abort(404)
    return notice, number


@bp.route("/<int:notification_id>")
@login_required
def open_notice(notification_id):
    """Open a notice: it is marked read and its case opens."""
    notice, number = _case_number_or_404(notification_id)
    services.mark_read(current_user, notice.id)
    if current_user.is_staff:
        return redirect(url_for("staff.case", number=number))
    return redirect(url_for("cases.view", number=number))


@bp.route("/<int:notification_id>/read", methods=["POST"])
@login_required
def read(notification_id):
    """Mark one notice read and come back to the list."""
    notice, _ = _case_number_or_404(notification_id)
    services.mark_read(current_user, notice.id)
    return redirect(_back())


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    """Mark every notice read."""
    marked = services.mark_all_read(current_user)
    flash(f"{marked} notice{'s' if marked != 1 else ''} marked read." if marked else "No unread notices.", "success")
    return redirect(_back())


def _back():
    return (
        url_for("notifications.index", show="unread")
        if request.form.get("show") == "unread"
        else url_for("notifications.index")
    )
