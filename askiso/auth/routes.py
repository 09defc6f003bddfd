"""Sign-in, second factor, sign-out, and the emailed password and address links."""

import re
from urllib.parse import urlsplit

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user

from askiso.audit.services import record
from askiso.auth import services, throttle, totp
from askiso.auth.account_services import Refused, confirm_email_change, pending_email_change
from askiso.auth.forms import NEW_PASSWORD_HINT, ConfirmForm, ForgotPasswordForm, LoginForm, NewPasswordForm, TotpForm
from askiso.auth.models import User
from askiso.auth.policy import password_problems
from askiso.auth.sessions import current_session_row
from askiso.core.access import login_required, public
from askiso.core.unit_of_work import kept_despite_failure
from askiso.extensions import db, limiter

bp = Blueprint("auth", __name__)

GENERIC_FAILURE = "That email and password do not match an account."
RESET_SENT = (
    "If an account uses that address, we have sent it a link to choose a new password. "
    "The link works once, for 1 hour. Check your spam folder if nothing arrives."
)
# What a staff member who has not enrolled two-factor may still reach: their own account.
ENROLMENT_PREFIXES = ("auth.", "account.")


# Control characters (CR/LF would split the Location header; tabs and newlines are dropped by
# URL parsers, so "/\t/evil.example" reads as "//evil.example") and backslashes (read as "/")
# make a target unsafe whatever else it says.
_UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next(target):
    """Only same-site relative paths are followed after sign-in; anything else means home."""
    if not target or _UNSAFE_IN_NEXT.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.before_app_request
def _staff_enrol_two_factor_first():
    """Staff without two-factor reach nothing but the enrolment page, on every feature."""
    endpoint = request.endpoint or ""
    if not endpoint or endpoint == "static" or endpoint.startswith(ENROLMENT_PREFIXES):
        return None
    if current_user.is_authenticated and current_user.is_staff and not current_user.has_totp:
        if request.path.startswith("/api/"):
            abort(403)
        flash("Staff must turn on two-factor authentication first.", "warning")
        return redirect(url_for("auth.totp_setup"))
    return None


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(throttle.LOGIN_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(
    throttle.LOGIN_FAILURES_PER_ACCOUNT_AND_ADDRESS,
    methods=["POST"],
    key_func=throttle.form_account_and_address_key,
    deduct_when=throttle.failed,
)
@limiter.limit(
    throttle.LOGIN_FAILURES_PER_ACCOUNT,
    methods=["POST"],
    key_func=throttle.form_account_key,
    deduct_when=throttle.failed,
)
@public
def login():
    """Sign in with email and password."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = LoginForm(next=request.args.get("next", ""))
    if form.validate_on_submit():
        user = services.check_credentials(form.email.data, form.password.data)
        if user is None:
            with kept_despite_failure("the audit event of a failed sign-in"):
                services.record_failed_login(form.email.data)
            flash(GENERIC_FAILURE, "error")
            return render_template("auth/login.html", form=form), 200
        step = services.begin_login(user)
        if step == "totp":
            session["pending_next"] = safe_next(form.next.data)
            return redirect(url_for("auth.login_totp"))
        return redirect(safe_next(form.next.data) or url_for("main.home"))
    return render_template("auth/login.html", form=form)


@bp.route("/login/two-factor", methods=["GET", "POST"])
@limiter.limit(throttle.TOTP_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(
    throttle.TOTP_FAILURES_PER_ACCOUNT,
    methods=["POST"],
    key_func=throttle.pending_account_key,
    deduct_when=throttle.failed,
)
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
            with kept_despite_failure("the audit event of a failed two-factor code"):
                record("auth.totp_failed", user)
            flash("That code is not valid. Codes change every 30 seconds; each works once.", "error")
            return render_template("auth/login_totp.html", form=form)
        next_url = session.get("pending_next")
        services.finish_login(user, method=method)
        if method == "recovery_code":
            flash("You used a recovery code. Each one works only once.", "warning")
        return redirect(next_url or url_for("main.home"))
    return render_template("auth/login_totp.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    """Sign out this session."""
    services.logout(current_user)
    flash("You are signed out.", "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def totp_setup():
    """Turn on two-factor: scan the QR code (or type the key), confirm a code."""
    if current_user.has_totp:
        return render_template("auth/totp_enabled.html", remaining=totp.remaining_recovery_codes(current_user))
    row = current_session_row()
    if row is None:  # signed in some other way than a browser session
        return redirect(url_for("auth.login"))
    if row.pending_totp_secret is None:
        row.pending_totp_secret = totp.new_secret()
    secret = row.pending_totp_secret
    form = TotpForm()
    if form.validate_on_submit():
        step = totp.matching_step(secret, form.code.data)
        if step is None:
            flash("That code did not match. Check the time on your device and try again.", "error")
        else:
            _enable_totp(current_user, secret, step)
            codes = totp.new_recovery_codes(current_user)
            row.pending_totp_secret = None
            return render_template("auth/recovery_codes.html", codes=codes)
    uri = totp.provisioning_uri(current_user, secret)
    return render_template("auth/totp_setup.html", form=form, secret=secret, qr=totp.qr_svg(uri))


def _enable_totp(user, secret, step):
    from askiso.core.timeutil import utcnow

    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    record("auth.totp_enabled", user)


@bp.route("/forgot-password", methods=["GET", "POST"])
@limiter.limit(throttle.FORGOT_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(throttle.FORGOT_PER_ACCOUNT, methods=["POST"], key_func=throttle.form_account_key)
@public
def forgot_password():
    """Ask for a reset link; the answer is the same whether or not the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        services.request_password_reset(form.email.data)
        flash(RESET_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.LINK_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(
    throttle.LINK_FAILURES_PER_TOKEN, methods=["POST"], key_func=throttle.token_key, deduct_when=throttle.failed
)
@public
def reset_password(token):
    """Choose a new password through a reset link (1 hour, single use)."""
    return _password_link(token, "reset_password")


@bp.route("/set-password/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.LINK_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(
    throttle.LINK_FAILURES_PER_TOKEN, methods=["POST"], key_func=throttle.token_key, deduct_when=throttle.failed
)
@public
def set_password(token):
    """Choose the first password of an invited account (72 hours, single use)."""
    return _password_link(token, "set_password")


def _password_link(token, purpose):
    """Shared by reset and set-password: check the link, the policy, then use it once."""
    user = services.account_for_link(token, purpose)
    if user is None:
        return _link_invalid(purpose)
    form = NewPasswordForm()
    template = f"auth/{purpose}.html"
    if form.validate_on_submit():
        problems = password_problems(form.password.data, email=user.email, name=user.name)
        if problems:
            form.password.errors.extend(problems)
            return render_template(template, form=form, user=user, hint=NEW_PASSWORD_HINT)
        if services.use_password_link(token, purpose, form.password.data) is None:
            return _link_invalid(purpose)
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template(template, form=form, user=user, hint=NEW_PASSWORD_HINT)


def _link_invalid(purpose):
    """Expired, used or made-up link: say so, and how to get a new one."""
    return render_template("auth/link_invalid.html", purpose=purpose), 410


@bp.route("/account/email/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(throttle.LINK_PER_ADDRESS, methods=["POST"], key_func=throttle.address_key)
@limiter.limit(
    throttle.LINK_FAILURES_PER_TOKEN, methods=["POST"], key_func=throttle.token_key, deduct_when=throttle.failed
)
@public
def confirm_email(token):
    """Use the link sent to a new address; a button, so mail scanners cannot use it."""
    pending = pending_email_change(token)
    if pending is None:
        return _link_invalid("change_email")
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            user = confirm_email_change(token)
        except Refused as refused:
            flash(" ".join(refused.messages), "error")
            return _link_invalid("change_email")
        if user is None:
            return _link_invalid("change_email")
        flash(f"Your email address is now {user.email}. Use it to sign in.", "success")
        return redirect(url_for("account.index") if current_user.is_authenticated else url_for("auth.login"))
    user, new_email = pending
    return render_template("auth/confirm_email.html", form=form, user=user, new_email=new_email)


def require_same_user(user_id):
    if current_user.id != user_id:
        abort(404)
