"""The unsubscribe link, and the development-only page listing captured mail."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import abort, current_app, render_template

from askiso.core.access import public
from askiso.mail.blueprint import bp


def _enabled():
    cfg = current_app.config
    return cfg.get("DEV_MAIL_PAGE") and not cfg.get("MAIL_SERVER")


def _folder():
    return Path(current_app.config["MAIL_CAPTURE_DIR"])


@bp.route("/mail/stop/<token>", methods=["GET", "POST"])
@public
def stop(token):
    """Unsubscribe: the signed link in every email. GET asks, POST confirms."""
    from flask import request

    from askiso.mail.suppression import email_from_unsubscribe_token, suppress

    email = email_from_unsubscribe_token(token)
    if email is None:
        abort(404)
    if request.method == "POST":
        suppress(email)
        return render_template("mail/stopped.html", email=email)
    return render_template("mail/stop.html", email=email, token=token)


@bp.route("/dev/mail/")
@public
def dev_index():
    """Captured emails, newest first (development only: 404 in production)."""
    if not _enabled():
        abort(404)
    files = sorted(_folder().glob("*.eml"), reverse=True)[:200] if _folder().exists() else []
    messages = [(_read(f), f.stem) for f in files]
    return render_template("mail/dev_index.html", messages=messages, folder=_folder())


@bp.route("/dev/mail/<name>")
@public
def dev_show(name):
    """One captured email."""
    if not _enabled() or not name.isdigit():
        abort(404)
    path = _folder() / f"{name}.eml"
    if not path.exists():
        abort(404)
    return render_template("mail/dev_show.html", message=_read(path), name=name)


def _read(path):
    msg = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    body = msg.get_body(preferencelist=("plain",))
    return {
        "to": msg["To"],
        "subject": msg["Subject"],
        "date": msg["Date"],
        "headers": list(msg.items()),
        "text": body.get_content() if body else "",
    }


# Views split into modules of their own, on this blueprint (askiso/mail/blueprint.py).
from askiso.mail import account_views, admin_views  # noqa: E402, F401
