"""Home page and the in-app help."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from askiso.core.access import public

bp = Blueprint("main", __name__)


@bp.route("/")
@public
def home():
    """Signed-in people go to their work; visitors to the sign-in page."""
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    if current_user.is_staff and "staff.home" in _endpoints():
        return redirect(url_for("staff.home"))
    if "cases.my_cases" in _endpoints():
        return redirect(url_for("cases.my_cases"))
    return render_template("main/home.html")


@bp.route("/help")
@public
def help():
    """The user guide for participants: submitting and following cases, who sees what."""
    from askiso.cases.models import RequestType
    from askiso.cases.rules import REOPEN_WINDOW
    from askiso.extensions import db

    types = db.session.scalars(
        db.select(RequestType).where(RequestType.is_active.is_(True)).order_by(RequestType.sort_order)
    ).all()
    return render_template(
        "main/help.html", request_types=types, reopen_days=REOPEN_WINDOW.days
    )


def _endpoints():
    from flask import current_app

    return current_app.view_functions
