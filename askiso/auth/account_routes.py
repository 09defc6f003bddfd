"""The person's own account page: profile, password, email, two-factor, sessions."""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user

from askiso.audit.services import record
from askiso.auth import account_services, throttle, totp
from askiso.auth.account_services import Refused
from askiso.auth.devices import describe_user_agent
from askiso.auth.forms import (
    NEW_PASSWORD_HINT,
    ChangeEmailForm,
    ChangePasswordForm,
    ConfirmForm,
    DisableTotpForm,
    ProfileForm,
    RecoveryCodesForm,
    normalize_phone,
)
from askiso.auth.sessions import current_session_row, open_sessions
from askiso.core.access import login_required
from askiso.core.unit_of_work import discard, kept_despite_failure
from askiso.extensions import limiter

bp = Blueprint("account", __name__, url_prefix="/account")

FORMS = {
    "profile_form": ProfileForm,
    "password_form": ChangePasswordForm,
    "email_form": ChangeEmailForm,
    "totp_form": DisableTotpForm,
    "codes_form": RecoveryCodesForm,
    "sessions_form": ConfirmForm,
}
PREFIXES = {
    "profile_form": "profile",
    "password_form": "pw",
    "email_form": "email",
    "totp_form": "totp",
    "codes_form": "codes",
    "sessions_form": "sessions",
}
# Password-checking forms share one budget: a stolen session must not become a password oracle.
_checks = limiter.shared_limit(
    throttle.ACCOUNT_CHECK_FAILURES,
    scope="account-checks",
    methods=["POST"],
    key_func=throttle.current_account_key,
    deduct_when=throttle.failed,
)


def _form(name, **kwargs):
    return FORMS[name](prefix=PREFIXES[name], **kwargs)


def _page(status=200, **given):
    """The account page with the submitted form (errors kept) and fresh others."""
    forms = {name: given.get(name) or _fresh(name) for name in FORMS}
    current = current_session_row()
    sessions = [
        {
            "row": row,
            "browser": describe_user_agent(row.user_agent),
            "is_current": current is not None and row.id == current.id,
        }
        for row in open_sessions(current_user)
    ]
    return (
        render_template(
            "account/index.html",
            sessions=sessions,
            recovery_remaining=totp.remaining_recovery_codes(current_user) if current_user.has_totp else 0,
            password_hint=NEW_PASSWORD_HINT,
            **forms,
        ),
        status,
    )


def _fresh(name):
    if name == "profile_form":
        return _form(name, formdata=None, obj=current_user)
    return _form(name, formdata=None)


def _refused(form_name, form, refused):
    """Put a refused change's reasons next to its field and show the page again."""
    if refused.failed_check:
        with kept_despite_failure("the audit event of a failed re-authentication"):
            record(refused.failed_check, current_user, subject_user=current_user)
    else:
        discard("a refused account change")
    getattr(form, refused.field).errors = list(getattr(form, refused.field).errors) + refused.messages
    return _page(**{form_name: form})


@bp.route("/")
@login_required
def index():
    """Everything about the signed-in person's own account."""
    return _page()


@bp.route("/profile", methods=["POST"])
@login_required
def profile():
    """Change name and work phone."""
    form = _form("profile_form")
    if not form.validate_on_submit():
        return _page(profile_form=form)
    account_services.update_profile(current_user, form.name.data, normalize_phone(form.work_phone.data))
    flash("Your details are saved.", "success")
    return redirect(url_for("account.index"))


@bp.route("/password", methods=["POST"])
@_checks
@login_required
def password():
    """Change the password (asks the current one); other sessions are signed out."""
    form = _form("password_form")
    if not form.validate_on_submit():
        return _page(password_form=form)
    try:
        ended = account_services.change_password(current_user, form.current_password.data, form.password.data,
                                                 keep_tokens=bool(form.keep_tokens.data))
    except Refused as refused:
        return _refused("password_form", form, refused)
    tokens = f" {ended} API token{'s' if ended != 1 else ''} stopped working." if ended else ""
    flash(f"Your password is changed. Your other sessions were signed out.{tokens}", "success")
    return redirect(url_for("account.index"))


@bp.route("/email", methods=["POST"])
@_checks
@login_required
def email():
    """Start an email change: a confirmation link goes to the new address."""
    form = _form("email_form")
    if not form.validate_on_submit():
        return _page(email_form=form)
    try:
        new_email = account_services.request_email_change(current_user, form.new_email.data, form.password.data)
    except Refused as refused:
        return _refused("email_form", form, refused)
    flash(f"We sent a confirmation link to {new_email}. Your address changes when you use it.", "info")
    return redirect(url_for("account.index"))


@bp.route("/two-factor/disable", methods=["POST"])
@_checks
@login_required
def disable_totp():
    """Turn two-factor off (password and a current code; never for staff)."""
    form = _form("totp_form")
    if current_user.is_staff:
        flash(account_services.STAFF_KEEP_TOTP, "error")
        return redirect(url_for("account.index"))
    if not current_user.has_totp:
        return redirect(url_for("account.index"))
    if not form.validate_on_submit():
        return _page(totp_form=form)
    try:
        account_services.disable_totp(current_user, form.password.data, form.code.data)
    except Refused as refused:
        return _refused("totp_form", form, refused)
    flash("Two-factor authentication is off.", "warning")
    return redirect(url_for("account.index"))


@bp.route("/two-factor/recovery-codes", methods=["POST"])
@_checks
@login_required
def recovery_codes():
    """New recovery codes, shown once; the old ones stop working."""
    form = _form("codes_form")
    if not form.validate_on_submit():
        return _page(codes_form=form)
    try:
        codes = account_services.regenerate_recovery_codes(current_user, form.password.data)
    except Refused as refused:
        return _refused("codes_form", form, refused)
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/sessions/end-others", methods=["POST"])
@login_required
def end_other_sessions():
    """Sign out every other browser signed in to this account."""
    form = _form("sessions_form")
    if not form.validate_on_submit():
        return _page(sessions_form=form)
    account_services.end_other_sessions(current_user)
    flash("Your other sessions are signed out.", "success")
    return redirect(url_for("account.index"))


@bp.route("/sessions/<int:session_id>/end", methods=["POST"])
@login_required
def end_session(session_id):
    """Sign out one other session of this account."""
    form = _form("sessions_form")
    if not form.validate_on_submit():
        return _page(sessions_form=form)
    if not account_services.end_one_session(current_user, session_id):
        abort(404)
    flash("That session is signed out.", "success")
    return redirect(url_for("account.index"))
