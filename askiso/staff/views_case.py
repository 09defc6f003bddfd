"""Working one case: the conversation, replies and notes, assignment, status, merge, history."""

import functools
from typing import NamedTuple

from flask import flash, jsonify, redirect, render_template, request, url_for
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from askiso.auth.models import STAFF_ROLES
from askiso.cases import catalog
from askiso.cases.incoming import uploaded_files
from askiso.cases.lookup import case_conversation, get_case_or_404, page_contacts
from askiso.cases.models import Case, CaseContact
from askiso.cases.services import CaseError, InvalidCase, StaleCase
from askiso.core.access import staff_required
from askiso.core.formatting import local_datetime
from askiso.core.markdown import render_markdown
from askiso.core.timeutil import utcnow
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.satisfaction.models import Rating
from askiso.staff import casework, services
from askiso.staff import presence as case_presence
from askiso.staff.blueprint import bp
from askiso.staff.forms import AssignForm, ComposerForm, MergeForm, PriorityForm, StatusForm, TransferForm
from askiso.staff.history import case_history
from askiso.staff.macros import summary as macro_summary
from askiso.staff.macros import usable_macro, usable_macros
from askiso.visibility import can_see_internal, visible_cases


@functools.cache
def _page_loads():
    """What the page shows besides the case's own many-to-ones, loaded with the case:
    contacts with their names, the inquiry contact (a backref, so built on use)."""
    return selectinload(Case.contacts).joinedload(CaseContact.user), joinedload(Case.inquiry_contact)


@functools.cache
def _view_loads():
    """What the page (GET) loads with the case: the inquiry contact, the service-level clock and
    the rating with its author (one-to-ones, in the case's row: a statement each cost more). The
    contacts are read as plain rows (lookup.page_contacts): their selectin load cost ~0.5 ms of
    Python, most of the case's."""
    return (
        joinedload(Case.inquiry_contact),
        joinedload(Case.clock),
        joinedload(Case.rating).joinedload(Rating.user),
    )


def _int(value):
    return int(value) if str(value or "").isdigit() else 0


def composer_form(case, formdata=None, kind="reply"):
    """The composer, with the property choices, showing the case as it is (or what was posted)."""
    form = ComposerForm(prefix="reply", formdata=formdata)
    shown = {
        "assignee": str(case.assignee_id or ""),
        "queue": str(case.queue_id),
        "status": case.status,
        "priority": case.priority,
        "topic": str(case.topic_id or ""),
        "then_status": "waiting",
    }
    for name, value in shown.items():
        # A property not posted (a fresh page, an old link or client) shows the case as it is.
        if formdata is None or form[name].name not in formdata:
            form[name].data = value
    form.kind = "note" if kind == "note" else "reply"
    form.assignee.choices = [("", "Unassigned")] + [(str(u.id), u.name) for u in services.staff_members()]
    form.queue.choices = [(str(q.id), q.name) for q in services.active_queues()]
    form.topic.choices = [("", "No topic")] + [(str(t.id), t.name) for t in catalog.active_topics()]
    return form


def _stamp(form, snap):
    form.version.data = snap.version
    form.seen_message.data = snap.message_id
    form.seen_event.data = snap.event_id
    return form


def _merge_form(case, viewer):
    merge = MergeForm(formdata=None)
    merge.target.choices = [("", "Choose a case")] + [
        (c.number, f"{c.number} — {c.subject} ({c.status_label})") for c in casework.merge_candidates(case, viewer)
    ]
    merge.version.data = case.version
    return merge


def _canned_into(form, case):
    """The Insert button without JavaScript: the page again, the chosen text after what was typed."""
    typed = (form.body.data or "").rstrip()
    text = services.canned_text(case, request.args.get("canned"))
    form.body.data = (typed + "\n\n" + text).strip() if text else typed
    if text is None:
        flash("That canned response is not available for this case.", "warning")


class ShownMessage(NamedTuple):
    """A message as the staff case page shows it, its text and time ready to print (done here once
    per message, not through template attribute lookups and filter calls)."""

    id: int
    created_local: str
    body_html: Markup  # sanitized Markdown (askiso/core/markdown.py)
    author: str
    is_internal: bool
    from_staff: bool
    files: tuple


def _shown_messages(rows, files_by_message):
    shown = []
    for row in rows:
        if row.user_id is not None:
            author, from_staff = row.user_name, row.user_staff_role in STAFF_ROLES
        else:
            author, from_staff = row.author_name or "Unknown sender", False
        body, files = render_markdown(row.body), files_by_message.get(row.id, ())
        shown.append(
            ShownMessage(row.id, local_datetime(row.created_at), body, author, row.is_internal, from_staff, files)
        )
    return shown


def _render_case(case, status=200, composer=None, collision=None):
    viewer = current_user._get_current_object()  # read through the proxy once, not at every check
    # Plain rows with the authors' names, from statements built once: loading 30 messages and their
    # authors as objects cost more than the rest of the page's statements together.
    rows, files = case_conversation(viewer, case)
    # Staff see every message of the case, so the last one shown is the case's last one.
    snap = casework.snapshot(case, rows if can_see_internal(viewer) else None)
    if composer is None and request.method == "GET" and request.args.get("canned"):
        composer = composer_form(case, request.args, request.args.get("kind"))
        _canned_into(composer, case)
    composer = _stamp(composer or composer_form(case), snap)
    canned = services.canned_for(case)
    macros = usable_macros(viewer)
    return render_template(
        "staff/case.html",
        case=case,
        contacts=page_contacts(case),
        messages=_shown_messages(rows, _group(files)),
        submission_files=[f for f in files if f.message_id is None],
        composer=composer,
        canned=canned,
        canned_texts={c.id: services.fill_placeholders(c.body, case) for c in canned},
        macros=macros,
        macro_summaries={m.id: macro_summary(m) for m in macros},
        collision=collision,
        now=utcnow(),
        paused_minutes=(case.clock.paused_minutes or 0) if case.clock is not None else 0,
    ), status


def _group(files):
    grouped = {}
    for f in files:
        if f.message_id is not None:
            grouped.setdefault(f.message_id, []).append(f)
    return grouped


@bp.route("/cases/<number>")
@staff_required
def case(number):
    """The staff case page: the whole conversation, internal notes included."""
    return _render_case(get_case_or_404(number, current_user._get_current_object(), *_view_loads()))


def _incoming_files(field_name):
    return uploaded_files(field_name)


@bp.route("/cases/<number>/reply", methods=["POST"])
@staff_required
def reply(number):
    """The composer's one submit: a public reply or internal note, the properties, or both, or a macro."""
    case = get_case_or_404(number, current_user, *_page_loads())
    form = composer_form(case, request.form, request.form.get("kind"))
    submit = _Submit.read(case, form)
    if not form.validate_on_submit() or not submit.check(form):
        return _render_case(case, 400, composer=form)
    seen = casework.Snapshot(_int(form.version.data), _int(form.seen_message.data), _int(form.seen_event.data))
    if seen.version != case.version and request.form.get("force") != "1":
        return _collision(case, form, seen)
    try:
        message, changed = casework.work_case(
            case, current_user, case.version, values=submit.values, message=submit.message
        )
    except StaleCase:
        discard("StaleCase refused the request's change")
        return _collision(case, form, seen)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        submit.show_errors(form, exc.errors)
        return _render_case(case, 400, composer=form)
    except CaseError as exc:
        discard("CaseError refused the request's change")
        flash(str(exc), "error")
        return _render_case(case, 400, composer=form)
    flash(submit.done_text(message, changed), "success" if message or changed else "info")
    if message is None and (form.body.data or "").strip():
        # Properties saved on their own while a text was typed: keep the text, on a fresh page.
        kept = composer_form(case, kind=form.kind)
        kept.body.data = form.body.data
        return _render_case(case, 200, composer=kept)
    anchor = f"message-{message.id}" if message else None
    target = url_for("staff.case", number=case.number, _anchor=anchor)
    if request.headers.get("X-Requested-With") == "XMLHttpRequest":
        # The upload-progress submit (staff.js): it goes to the page itself, so the flash is kept for it.
        return jsonify(location=target)
    return redirect(target)


def _collision(case, form, seen):
    new_messages, new_events = casework.changes_since(case, current_user, seen)
    collision = {
        "kind": form.kind,
        "messages": new_messages,
        "events": new_events,
        "had_files": bool(_incoming_files("reply-files")),
        "action": request.form.get("action", "send"),
        "macro": request.form.get("macro", ""),
    }
    return _render_case(case, 409, composer=form, collision=collision)


class _Submit:
    """What one press of the composer asks for: which button (send, send_status, save or a macro),
    the message (body, internal, files) if any, and the property values to apply."""

    def __init__(self, action, macro, values, message):
        self.action, self.macro, self.values, self.message = action, macro, values, message

    @classmethod
    def read(cls, case, form):
        macro_id = request.form.get("macro")
        macro = usable_macro(current_user, macro_id) if macro_id else None
        action = "macro" if macro_id else request.form.get("action", "send")
        values = form.properties(request.form)
        body, internal = (form.body.data or "").strip(), form.is_note
        if action == "send_status":
            values["status"] = form.then_status.data
        if macro is not None:
            values.update(macro.property_values(current_user))
            if macro.body:
                body = (body + "\n\n" + services.fill_placeholders(macro.body, case)).strip()
                internal = macro.is_internal
        sends = action in ("send", "send_status") or (action == "macro" and body)
        message = (body, internal, _incoming_files("reply-files")) if sends else None
        return cls(action, macro if macro_id else False, values, message)

    def check(self, form):
        if self.macro is None:
            flash("That macro is not available to you.", "error")
            return False
        if self.message is not None and not self.message[0]:
            form.body.errors = ["Write a message. To change only the properties, use Save properties."]
            return False
        return True

    def show_errors(self, form, errors):
        for name, text in errors.items():
            if name == "status" and self.action == "send_status":
                name = "then_status"
            field = form[name] if name in form else form.body
            field.errors = [*field.errors, text] if isinstance(field.errors, list) else [text]

    def done_text(self, message, changed):
        parts = []
        if message is not None:
            parts.append(
                "Internal note saved (staff only)." if message.is_internal else "Reply sent to the participant."
            )
        if changed:
            parts.append("Saved: " + ", ".join(_CHANGED_WORDS.get(n, n) for n in changed) + ".")
        if self.macro:
            parts.insert(0, f"Macro “{self.macro.name}” applied.")
        return " ".join(parts) or "Nothing to change: the properties are as they were."


_CHANGED_WORDS = {
    "assignee_id": "assignee",
    "queue_id": "queue",
    "topic_id": "topic",
    "priority": "priority",
    "status": "status",
}


def _apply(number, form_class, action, success):
    """Run one versioned case action from a posted form, then back to the case page."""
    case = get_case_or_404(number, current_user)
    form = form_class()
    if form_class is AssignForm:
        form.assignee.choices = [("", "")]
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(" ".join(errors), "error")
        return redirect(url_for("staff.case", number=number))
    try:
        action(case, form)
    except StaleCase:
        discard("StaleCase refused the request's change")
        flash(
            "This case changed since you opened it, so nothing was changed. Review the latest version "
            "below and try again.",
            "warning",
        )
        return redirect(url_for("staff.case", number=number))
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("staff.case", number=number))
    except CaseError as exc:
        discard("CaseError refused the request's change")
        flash(str(exc), "error")
        return redirect(url_for("staff.case", number=number))
    flash(success, "success")
    return redirect(url_for("staff.case", number=case.number))


@bp.route("/cases/<number>/take", methods=["POST"])
@staff_required
def take(number):
    return _apply(
        number, AssignForm, lambda c, f: services.take(c, current_user, f.version.data), "The case is assigned to you."
    )


@bp.route("/cases/<number>/assign", methods=["POST"])
@staff_required
def assign(number):
    return _apply(
        number,
        AssignForm,
        lambda c, f: services.assign(c, current_user, f.assignee.data or None, f.version.data),
        "Assignee changed.",
    )


@bp.route("/cases/<number>/transfer", methods=["POST"])
@staff_required
def transfer(number):
    return _apply(
        number,
        TransferForm,
        lambda c, f: services.transfer(c, current_user, f.queue.data, f.version.data),
        "Case moved to another queue.",
    )


@bp.route("/cases/<number>/status", methods=["POST"])
@staff_required
def status(number):
    return _apply(
        number,
        StatusForm,
        lambda c, f: services.set_status(c, current_user, f.status.data, f.reason.data or None, f.version.data),
        "Status changed.",
    )


@bp.route("/cases/<number>/priority", methods=["POST"])
@staff_required
def priority(number):
    return _apply(
        number,
        PriorityForm,
        lambda c, f: services.set_priority(c, current_user, f.priority.data, f.version.data),
        "Priority changed.",
    )


@bp.route("/cases/<number>/merge", methods=["GET"])
@staff_required
def merge_page(number):
    """Choosing the case to merge this duplicate into (behind the case page's More actions menu)."""
    case = get_case_or_404(number, current_user)
    return render_template("staff/merge.html", case=case, merge=_merge_form(case, current_user))


@bp.route("/cases/<number>/merge", methods=["POST"])
@staff_required
def merge(number):
    """Merge this duplicate into another case of the same participant."""

    def do_merge(duplicate, form):
        target = db.session.scalar(visible_cases(current_user).where(Case.number == (form.target.data or "")))
        casework.merge_case(duplicate, target, current_user, form.version.data)
        do_merge.target = target

    response = _apply(number, MergeForm, do_merge, "The case was merged; the conversation continues here.")
    target = getattr(do_merge, "target", None)
    if target is not None and response.status_code == 302 and target.merged_into_id is None:
        return redirect(url_for("staff.case", number=target.number))
    return response


@bp.route("/cases/<number>/history")
@staff_required
def history(number):
    """Every change of the case from the audit log, merged with its messages."""
    case = get_case_or_404(number, current_user)
    merged_from = db.session.scalars(select(Case).where(Case.merged_into_id == case.id)).all()
    return render_template("staff/history.html", case=case, entries=case_history(case, current_user),
                           merged_from=merged_from)


@bp.route("/cases/<number>/presence", methods=["POST"])
@staff_required
def presence(number):
    """An open case page reports (viewing, typing or leaving) and learns who else is on the case."""
    case = get_case_or_404(number, current_user)
    report = request.get_json(silent=True) or {}
    if report.get("leaving"):
        case_presence.leave(case, current_user)
    else:
        case_presence.report(case, current_user, typing=bool(report.get("typing")))
    others = case_presence.others(case, current_user)
    return jsonify(others=others, every=case_presence.REPORT_EVERY_SECONDS)
