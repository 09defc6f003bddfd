"""The private tracking link: one inquiry, its public conversation, reply, revoke, account."""

from flask import abort, flash, redirect, render_template, request, url_for

from askiso.cases.downloads import send_attachment
from askiso.cases.incoming import uploaded_files
from askiso.cases.models import Attachment
from askiso.cases.services import CaseError, InvalidCase
from askiso.core.access import public
from askiso.core.unit_of_work import discard
from askiso.extensions import db, limiter
from askiso.inquiries import accounts, links
from askiso.inquiries.blueprint import ACCOUNT_PER_ADDRESS, REPLY_PER_ADDRESS, TRACK_PER_ADDRESS, bp, client_key
from askiso.inquiries.forms import ConfirmForm, ReplyForm
from askiso.inquiries.models import InquiryContact
from askiso.inquiries.tracking import visible_attachments_for_tracking, visible_messages_for_tracking
from askiso.visibility import tracking_view_ends_at

ACCOUNT_MESSAGES = {
    "created": "We have emailed {email} a link to choose your password. Your inquiries will be in your case list.",
    "resent": "We have emailed {email} a new link to choose your password.",
    "exists": "An Ask ISO account already uses {email}. Your inquiries are in its case list: sign in to see them.",
}


def _link_or_404(token):
    """The active link for this token; anything else is simply not found."""
    link = links.tracking_link_for(token)
    if link is None:
        abort(404)
    return link


def _page(link, token, form=None, status=200):
    case = link.case
    messages = db.session.scalars(visible_messages_for_tracking(case)).all()
    files = db.session.scalars(visible_attachments_for_tracking(case)).all()
    by_message = {}
    for attachment in files:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    html = render_template(
        "inquiries/track.html",
        case=case,
        token=token,
        contact=db.session.get(InquiryContact, case.id),
        messages=messages,
        files_by_message=by_message,
        form=form or ReplyForm(formdata=None),
        button=ConfirmForm(formdata=None),
        can_reply=links.can_reply_by_link(case),
        view_ended_at=tracking_view_ends_at(case),
    )
    return html, status


def _incoming_files():
    return uploaded_files("files")


@bp.route("/inquiries/t/<token>", methods=["GET", "POST"])
@limiter.limit(TRACK_PER_ADDRESS, key_func=client_key)
@limiter.limit(REPLY_PER_ADDRESS, methods=["POST"], key_func=client_key)
@public
def track(token):
    """One inquiry through its private link; POST adds a reply with files."""
    link = _link_or_404(token)
    if request.method == "GET":
        links.touch(link)
        return _page(link, token)
    form = ReplyForm()
    if not form.validate_on_submit():
        return _page(link, token, form, 400)
    try:
        links.reply_by_link(link, form.body.data, _incoming_files())
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        form.body.errors = list(form.body.errors) + [v for k, v in exc.errors.items() if k == "body"]
        form.files.errors = [v + " Choose the files again." for k, v in exc.errors.items() if k != "body"]
        return _page(links.tracking_link_for(token) or abort(404), token, form, 400)
    except CaseError as exc:
        discard("CaseError refused the request's change")
        flash(str(exc), "error")
        return redirect(url_for("inquiries.track", token=token))
    flash("Your reply was sent.", "success")
    return redirect(url_for("inquiries.track", token=token))


@bp.route("/inquiries/t/<token>/files/<int:attachment_id>")
@limiter.limit(TRACK_PER_ADDRESS, key_func=client_key)
@public
def download(token, attachment_id):
    """A public file of this inquiry only."""
    link = _link_or_404(token)
    attachment = db.session.scalar(
        visible_attachments_for_tracking(link.case).where(Attachment.id == attachment_id)
    )
    if attachment is None:
        abort(404)
    return send_attachment(attachment)


@bp.route("/inquiries/t/<token>/revoke", methods=["POST"])
@limiter.limit(ACCOUNT_PER_ADDRESS, key_func=client_key)
@public
def revoke(token):
    """Stop every link of this inquiry from working (a new one can be asked for by email)."""
    link = _link_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    links.revoke_links(link)
    return render_template("inquiries/revoked.html")


@bp.route("/inquiries/t/<token>/account", methods=["POST"])
@limiter.limit(ACCOUNT_PER_ADDRESS, key_func=client_key)
@public
def account(token):
    """Create an account for the inquiry's address (a set-password link is emailed)."""
    link = _link_or_404(token)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    outcome = accounts.request_account(link)
    flash(ACCOUNT_MESSAGES[outcome].format(email=link.email), "success" if outcome != "exists" else "info")
    return redirect(url_for("inquiries.track", token=token))
