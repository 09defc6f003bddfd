"""Working one case: the conversation, replies and notes, assignment, status, merge, history."""

import functools

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from askiso.cases.incoming import uploaded_files
from askiso.cases.lookup import get_case_or_404
from askiso.cases.models import Case, CaseContact, Message
from askiso.cases.services import CaseError, InvalidCase, StaleCase, add_message
from askiso.core.access import staff_required
from askiso.core.timeutil import utcnow
from askiso.extensions import db
from askiso.staff import casework, services, sla
from askiso.staff.blueprint import bp
from askiso.staff.forms import AssignForm, MergeForm, PriorityForm, ReplyForm, StatusForm, TransferForm
from askiso.visibility import visible_attachments, visible_cases, visible_messages


@functools.cache
def _page_loads():
    """What the page shows besides the case's own many-to-ones, loaded with the case:
    contacts with their names, the inquiry contact (a backref, so built on use)."""
    return selectinload(Case.contacts).joinedload(CaseContact.user), joinedload(Case.inquiry_contact)


def _int(value):
    return int(value) if str(value or "").isdigit() else 0


def _reply_forms(case, snap, reply=None, note=None):
    """The reply and note forms, stamped with what this page shows."""
    forms = {"reply": reply or ReplyForm(prefix="reply", formdata=None),
             "note": note or ReplyForm(prefix="note", formdata=None)}
    for form in forms.values():
        form.version.data = snap.version
        form.seen_message.data = snap.message_id
        form.seen_event.data = snap.event_id
    return forms


def _action_forms(case):
    assign = AssignForm(formdata=None, assignee=str(case.assignee_id or ""))
    assign.assignee.choices = [("", "Unassigned")] + [(str(u.id), u.name) for u in services.staff_members()]
    transfer = TransferForm(formdata=None, queue=str(case.queue_id))
    transfer.queue.choices = [(str(q.id), q.name) for q in services.active_queues()]
    merge = MergeForm(formdata=None)
    merge.target.choices = [("", "Choose a case")] + [
        (c.number, f"{c.number} — {c.subject} ({c.status_label})")
        for c in casework.merge_candidates(case, current_user)
    ]
    forms = {"assign": assign, "transfer": transfer, "merge": merge,
             "status": StatusForm(formdata=None, status=case.status), "priority": PriorityForm(formdata=None,
                                                                                               priority=case.priority)}
    for form in forms.values():
        form.version.data = case.version
    return forms


def _render_case(case, status=200, reply=None, note=None, collision=None):
    snap = casework.snapshot(case)
    messages = db.session.scalars(visible_messages(current_user, case).options(selectinload(Message.author))).all()
    files = db.session.scalars(visible_attachments(current_user, case)).all()
    forms = _reply_forms(case, snap, reply, note)
    canned = services.canned_for(case)
    canned_texts = {c.id: services.fill_placeholders(c.body, case) for c in canned}
    if reply is None and request.method == "GET" and request.args.get("canned"):
        typed = (request.args.get("reply-body") or "").rstrip()
        text = services.canned_text(case, request.args.get("canned"))
        forms["reply"].body.data = (typed + "\n\n" + text).strip() if text else typed
        if text is None:
            flash("That canned response is not available for this case.", "warning")
    return render_template(
        "staff/case.html", case=case, messages=messages, submission_files=[f for f in files if f.message_id is None],
        files_by_message=_group(files), forms=forms, actions=_action_forms(case), canned=canned,
        canned_texts=canned_texts, collision=collision, now=utcnow(), paused_minutes=sla.paused_minutes(case),
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
    return _render_case(get_case_or_404(number, current_user, *_page_loads()))


def _incoming_files(field_name):
    return uploaded_files(field_name)


@bp.route("/cases/<number>/reply", methods=["POST"])
@staff_required
def reply(number):
    """A public reply (emailed) or, with ?internal=1 in the form, an internal note."""
    case = get_case_or_404(number, current_user, *_page_loads())
    internal = request.form.get("kind") == "note"
    prefix = "note" if internal else "reply"
    form = ReplyForm(prefix=prefix)
    others = {"note": form} if internal else {"reply": form}
    if not form.validate_on_submit():
        return _render_case(case, 400, **others)
    seen = casework.Snapshot(_int(form.version.data), _int(form.seen_message.data), _int(form.seen_event.data))
    if seen.version != case.version and request.form.get("force") != "1":
        new_messages, new_events = casework.changes_since(case, current_user, seen)
        collision = {"kind": prefix, "messages": new_messages, "events": new_events,
                     "had_files": bool(_incoming_files(f"{prefix}-files"))}
        return _render_case(case, 409, collision=collision, **others)
    try:
        message = add_message(case, current_user, form.body.data, internal=internal,
                              files=_incoming_files(f"{prefix}-files"))
    except InvalidCase as exc:
        for name, text in exc.errors.items():
            (form.files if name == "files" else form.body).errors = [text]
        return _render_case(case, 400, **others)
    db.session.commit()
    flash("Internal note saved (staff only)." if internal else "Reply sent to the participant.", "success")
    return redirect(url_for("staff.case", number=case.number, _anchor=f"message-{message.id}"))


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
        db.session.rollback()
        flash("This case changed since you opened it, so nothing was changed. Review the latest version "
              "below and try again.", "warning")
        return redirect(url_for("staff.case", number=number))
    except InvalidCase as exc:
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("staff.case", number=number))
    except CaseError as exc:
        flash(str(exc), "error")
        return redirect(url_for("staff.case", number=number))
    db.session.commit()
    flash(success, "success")
    return redirect(url_for("staff.case", number=case.number))


@bp.route("/cases/<number>/take", methods=["POST"])
@staff_required
def take(number):
    return _apply(number, AssignForm, lambda c, f: services.take(c, current_user, f.version.data),
                  "The case is assigned to you.")


@bp.route("/cases/<number>/assign", methods=["POST"])
@staff_required
def assign(number):
    return _apply(number, AssignForm,
                  lambda c, f: services.assign(c, current_user, f.assignee.data or None, f.version.data),
                  "Assignee changed.")


@bp.route("/cases/<number>/transfer", methods=["POST"])
@staff_required
def transfer(number):
    return _apply(number, TransferForm, lambda c, f: services.transfer(c, current_user, f.queue.data, f.version.data),
                  "Case moved to another queue.")


@bp.route("/cases/<number>/status", methods=["POST"])
@staff_required
def status(number):
    return _apply(number, StatusForm,
                  lambda c, f: services.set_status(c, current_user, f.status.data, f.reason.data or None,
                                                   f.version.data),
                  "Status changed.")


@bp.route("/cases/<number>/priority", methods=["POST"])
@staff_required
def priority(number):
    return _apply(number, PriorityForm,
                  lambda c, f: services.set_priority(c, current_user, f.priority.data, f.version.data),
                  "Priority changed.")


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
    return render_template("staff/history.html", case=case, entries=casework.timeline(case, current_user),
                           merged_from=merged_from)
