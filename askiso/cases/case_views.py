"""The case page and what a participant does on it: reply, close, reopen, contacts, downloads."""

from typing import NamedTuple

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup

from askiso.auth.models import STAFF_ROLES, user_by_email
from askiso.cases import pending, rules, services
from askiso.cases.blueprint import bp
from askiso.cases.downloads import send_attachment
from askiso.cases.forms import CloseForm, ContactForm, RemoveContactForm, ReopenForm, ReplyForm, show_errors
from askiso.cases.incoming import uploaded_files
from askiso.cases.lookup import get_attachment_or_404, get_case_or_404, page_contacts, public_conversation
from askiso.core import formatting
from askiso.core.access import login_required
from askiso.core.formatting import format_local
from askiso.core.markdown import render_markdown
from askiso.core.unit_of_work import discard, kept_despite_failure
from askiso.extensions import db

NOT_A_COLLEAGUE = "Only colleagues of the same company can be added as contacts."

# The case's own many-to-ones come with it (visibility.get_case_or_404); the people who follow it are
# read on their own (page_contacts): joined into the same row, PostgreSQL spent 2 ms planning the join.
PAGE_LOADS = ()


class ShownMessage(NamedTuple):
    """A public message as the participant's page shows it, its text and times ready to print
    (done here once, not through a template call per message)."""

    id: int
    created_iso: str  # the <time datetime=...> value, UTC
    created_local: str  # as the ISO's local time
    body_html: Markup  # sanitized Markdown (askiso/core/markdown.py)
    author: str  # staff by first name (the page adds their queue), others by full name
    from_staff: bool
    files: list


def _shown(row, files):
    if row.user_staff_role in STAFF_ROLES:
        author, from_staff = (row.user_name or "").split(" ")[0], True
    else:
        author, from_staff = row.user_name or row.author_name or "Unknown sender", False
    created = row.created_at
    return ShownMessage(
        row.id, created.isoformat() + "Z", format_local(created), render_markdown(row.body), author, from_staff,
        files.get(row.id, ()),
    )


def conversation(case):
    """The public conversation with its files; the submission's own files apart."""
    rows, files = public_conversation(current_user, case)
    by_message = {}
    for attachment in files:
        by_message.setdefault(attachment.message_id, []).append(attachment)
    return [_shown(row, by_message) for row in rows], by_message


def field_rows(case):
    """(label, value) of the fields the case was filed with, in their order, then any others
    (money as an amount, dates as dates: askiso/core/formatting.py)."""
    values = dict(case.field_values or {})
    rows = []
    for spec in case.filed_fields:
        if spec["name"] in values:
            rows.append((spec["label"], formatting.field_value(values.pop(spec["name"]), spec.get("type"))))
    rows += [(name.replace("_", " ").capitalize(), value) for name, value in values.items()]
    return rows


def render_case(case, status=200, **forms):
    """The case page; forms given keep what the person typed. Only the forms the person may use are built."""
    user = current_user._get_current_object()  # read many times below: not through the proxy
    messages, files = conversation(case)
    version = str(case.version)
    can = {
        "can_reply": rules.can_reply(user, case),
        "can_close": rules.can_close(user, case),
        "can_reopen": rules.can_reopen(user, case),
        "can_manage_contacts": rules.can_manage_contacts(user, case),
    }
    close_form = reopen_form = contact_form = remove_form = None
    if can["can_close"]:
        close_form = forms.get("close_form") or CloseForm(formdata=None)
        close_form.version.data = version
    if can["can_reopen"]:
        reopen_form = forms.get("reopen_form") or ReopenForm(formdata=None)
        reopen_form.version.data = version
    if can["can_manage_contacts"]:
        contact_form = forms.get("contact_form") or ContactForm(formdata=None)
        remove_form = RemoveContactForm(formdata=None)
    reply_form = forms.get("reply_form") or ReplyForm(formdata=None)
    reply_form.ensure_key()
    return (
        render_template(
            "cases/view.html",
            case=case,
            messages=messages,
            files=files,
            fields=field_rows(case),
            reply_form=reply_form,
            contacts=page_contacts(case),
            # A new form's key is fresh: no file can be kept under it yet.
            kept=pending.pending_for(user, reply_form.form_key.data) if "reply_form" in forms else [],
            close_form=close_form,
            reopen_form=reopen_form,
            contact_form=contact_form,
            remove_form=remove_form,
            reopen_until=rules.reopen_deadline(case) if case.status in ("resolved", "closed") else None,
            read_only=rules.is_read_only_for(user, case),
            stale=forms.get("stale"),
            **can,
        ),
        status,
    )


@bp.route("/cases/<number>")
@login_required
def view(number):
    """A case: its details, the public conversation, and what you may do with it."""
    return render_case(get_case_or_404(number, current_user._get_current_object(), *PAGE_LOADS))


def _to_case(case, anchor=None):
    return redirect(url_for("cases.view", number=case.number, _anchor=anchor), code=303)


@bp.route("/cases/<number>/reply", methods=["POST"])
@login_required
def reply(number):
    """Add a public reply, with files; replies always land, whatever changed meanwhile."""
    case = get_case_or_404(number, current_user, *PAGE_LOADS)
    form = ReplyForm()
    if not form.validate():
        return render_case(case, 400, reply_form=form)
    key = form.ensure_key()
    kept = pending.release(current_user, key, request.form.getlist("keep_upload"))
    kept_files, chosen = pending.as_incoming(kept), uploaded_files("files")
    try:
        with db.session.begin_nested():
            message = services.add_message(case, current_user, form.body.data or "", files=kept_files + chosen)
    except services.InvalidCase as exc:
        return _reply_failed(number, form, key, chosen, exc.errors)
    except services.NotAllowed as exc:
        discard("a reply the person may not add")
        flash(str(exc), "error")
        return _to_case(case)
    finally:
        pending.close_all(kept_files)
    pending.consume(kept)
    response = _to_case(case, f"message-{message.id}")
    flash("Your reply was added.", "success")
    return response


def _reply_failed(number, form, key, chosen, errors):
    """The reply is refused (422); the files that passed their checks are kept for the next try."""
    errors = dict(errors)
    with kept_despite_failure("the files of a refused reply"):
        pending.release(current_user, key, request.form.getlist("keep_upload"))
        problems = pending.keep_files(current_user, key, chosen)
    if problems:
        errors["files"] = " ".join(problems) + " Choose a corrected file."
    show_errors(form, errors)
    return render_case(get_case_or_404(number, current_user, *PAGE_LOADS), 422, reply_form=form)


def _expected_version(form):
    value = (form.version.data or "").strip()
    return int(value) if value.isdigit() else None


def _lifecycle(number, form_class, form_name, action, done_message):
    """Close or reopen with the version the page showed; a stale page keeps the typed reason."""
    case = get_case_or_404(number, current_user, *PAGE_LOADS)
    form = form_class()
    if not form.validate():
        return render_case(case, 400, **{form_name: form})
    try:
        action(case, form.reason.data, _expected_version(form))
    except services.StaleCase as exc:
        discard("a stale case: the page shows it as it now is")
        case = get_case_or_404(number, current_user, *PAGE_LOADS)
        return render_case(case, 409, stale=str(exc), **{form_name: form})
    except services.InvalidCase as exc:
        show_errors(form, exc.errors)
        return render_case(case, 422, **{form_name: form})
    except services.NotAllowed as exc:
        discard("a change the person may not make")
        flash(str(exc), "error")
        return _to_case(case)
    flash(done_message, "success")
    return _to_case(case)


@bp.route("/cases/<number>/close", methods=["POST"])
@login_required
def close(number):
    """Close the case with a reason."""
    return _lifecycle(
        number, CloseForm, "close_form",
        lambda case, reason, version: services.close_case(case, current_user, reason, expected_version=version),
        "The case is closed. You can reopen it within 14 days.",
    )


@bp.route("/cases/<number>/reopen", methods=["POST"])
@login_required
def reopen(number):
    """Reopen a Resolved or Closed case within 14 days."""
    return _lifecycle(
        number, ReopenForm, "reopen_form",
        lambda case, reason, version: services.reopen_case(
            case, current_user, (reason or "").strip() or None, expected_version=version
        ),
        "The case is open again.",
    )


@bp.route("/cases/<number>/contacts", methods=["POST"])
@login_required
def add_contact(number):
    """Add a colleague of the same company as a contact, by email."""
    case = get_case_or_404(number, current_user, *PAGE_LOADS)
    form = ContactForm()
    if not form.validate():
        return render_case(case, 400, contact_form=form)
    person = user_by_email(form.email.data)
    try:
        if person is None:
            raise services.InvalidCase({"email": NOT_A_COLLEAGUE})
        services.add_contact(case, current_user, person)
    except services.InvalidCase as exc:
        show_errors(form, exc.errors)
        return render_case(case, 422, contact_form=form)
    except services.NotAllowed as exc:
        discard("a contact the person may not add")
        flash(str(exc), "error")
        return _to_case(case)
    flash(f"{person.name} now follows this case and gets its emails.", "success")
    return _to_case(case, "contacts")


@bp.route("/cases/<number>/contacts/remove", methods=["POST"])
@login_required
def remove_contact(number):
    """Remove a contact from the case."""
    case = get_case_or_404(number, current_user)
    form = RemoveContactForm()
    user_id = form.user_id.data or ""
    if not form.validate() or not user_id.isdigit():
        abort(400)
    try:
        services.remove_contact(case, current_user, int(user_id))
    except (services.InvalidCase, services.NotAllowed) as exc:
        message = exc.errors.get("email") if isinstance(exc, services.InvalidCase) else str(exc)
        discard("a contact that cannot be removed")
        flash(message, "error")
        return _to_case(case)
    flash("The contact was removed.", "success")
    if int(user_id) == current_user.id:
        return redirect(url_for("cases.my_cases"), code=303)
    return _to_case(case, "contacts")


@bp.route("/cases/<number>/files/<int:attachment_id>")
@login_required
def attachment(number, attachment_id):
    """Download a file of a case you may see: always as a download, never rendered."""
    case = get_case_or_404(number, current_user)
    return send_attachment(get_attachment_or_404(case, attachment_id, current_user))
