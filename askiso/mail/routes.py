"""Development-only page listing captured mail."""

from email import policy
from email.parser import BytesParser
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template

from askiso.core.access import public

bp = Blueprint("devmail", __name__, url_prefix="/dev/mail")


def _enabled():
    cfg = current_app.config
    return cfg.get("DEV_MAIL_PAGE") and not cfg.get("MAIL_SERVER")


def _folder():
    return Path(current_app.config["MAIL_CAPTURE_DIR"])


@bp.route("/")
@public
def index():
    """Captured emails, newest first (development only: 404 in production)."""
    if not _enabled():
        abort(404)
    files = sorted(_folder().glob("*.eml"), reverse=True)[:200] if _folder().exists() else []
    messages = [(_read(f), f.stem) for f in files]
    return render_template("mail/dev_index.html", messages=messages, folder=_folder())


@bp.route("/<name>")
@public
def show(name):
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
