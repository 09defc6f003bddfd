"""Sign-in, second factor, sign-out."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from askiso.audit.services import record
from askiso.auth import services, totp
from askiso.auth.forms import LoginForm, TotpForm
from askiso.auth.models import User
from askiso.core.access import login_required, public
from askiso.extensions import db, limiter

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "That email and password do not match an account."


def _login_key():
    return "login:" + (request.form.get("email") or "").strip().lower()


def safe_next(target):
    """Only same-site relative paths are followed after sign-in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("30/minute;200/hour", methods=["POST"])
@limiter.limit("10/minute;50/hour", methods=["POST"], key_func=_login_key)
@public
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.check_credentials(form.email.data, form.password.data)
        if user is None:
            db.session.commit()
            flash(GENERIC_FAILURE, "error")
            return render_template("auth/login.html", form=form), 200
        step = services.begin_login(user)
        db.session.commit()
        if step == "totp":
            session["pending_next"] = safe_next(form.next.data)
            return redirect(url_for("auth.login_totp"))
        return redirect(safe_next(form.next.data) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit("10/minute;60/hour", methods=["POST"])
@public
def login_totp():
    """Second step of sign-in: a TOTP code or a recovery code."""
    user_id = session.get(services.PENDING_KEY)
    user = db.session.get(User, user_id) if user_id else None
    if user is None or not user.is_active or not user.has_totp:
        return redirect(url_for("auth.login"))
    form = TotpForm()
    if form.validate_on_submit():
        code = form.code.data.strip()
        if totp.verify_user_code(user, code):
            method = "totp"
        elif totp.use_recovery_code(user, code):
            method = "recovery_code"
        else:
            record("auth.totp_failed", user)
            db.session.commit()
            flash("That code is not valid. Codes change every 30 seconds; each works once.", "error")
            return render_template("auth/login_totp.html", form=form)
        next_url = session.get("pending_next")
        services.finish_login(user, method=method)
        db.session.commit()
        if method == "recovery_code":
            flash("You used a recovery code. Each one works only once.", "warning")
        return redirect(next_url or url_for("main.home"))
    return render_template("auth/login_totp.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out this session."""
    services.logout(current_user)
    db.session.commit()
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Turn on two-factor: scan the QR code (or type the key), confirm a code."""
    if current_user.has_totp:
        return render_template("auth/totp_enabled.html", remaining=totp.remaining_recovery_codes(current_user))
    secret = session.get("totp_pending_secret") or totp.new_secret()
    session["totp_pending_secret"] = secret
    form = TotpForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data)
        if step is None:
            flash("That code did not match. Check the time on your device and try again.", "error")
        else:
            _enable_totp(current_user, secret, step)
            codes = totp.new_recovery_codes(current_user)
            db.session.commit()
            session.pop("totp_pending_secret", None)
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = totp.provisioning_uri(current_user, secret)
    return render_template("auth/totp_setup.html", form=form, secret=secret, qr=totp.qr_svg(uri))


def _enable_totp(user, secret, step):
    from askiso.core.timeutil import utcnow

    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    record("auth.totp_enabled", user)


def require_same_user(user_id):
    if current_user.id != user_id:
        abort(404)
