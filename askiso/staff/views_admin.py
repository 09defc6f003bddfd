"""Staff administration pages: accounts and queues (admins); request types (admins);
canned responses, holidays and service levels (supervisors)."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.auth.models import User
from askiso.cases.models import Queue, RequestType
from askiso.cases.services import InvalidCase
from askiso.core.access import staff_required
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.staff import admin, fieldbuilder, services, sla
from askiso.staff.admin import InvalidRequestType
from askiso.staff.blueprint import bp
from askiso.staff.forms import (
    ButtonForm,
    CannedForm,
    HolidayForm,
    QueueForm,
    QueueMembersForm,
    RoleForm,
    ServiceLevelForm,
    StaffAccountForm,
)
from askiso.staff.models import CannedResponse, Holiday

FIELD_ALIASES = {"user": "role"}


def _field_errors(form, exc):
    for name, text in exc.errors.items():
        target = getattr(form, FIELD_ALIASES.get(name, name), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [text]
        else:
            flash(text, "error")
    form._errors = None  # WTForms caches form.errors; recompute with the service's messages


def _get_or_404(model, ident):
    row = db.session.get(model, ident)
    if row is None:
        abort(404)
    return row


@bp.route("/admin")
@staff_required(role="supervisor")
def admin_index():
    return render_template("staff/admin/index.html")


# ---------------------------------------------------------------- staff accounts


@bp.route("/admin/staff", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_staff():
    """Staff accounts: create (emailed set-password link), change role, deactivate."""
    form = StaffAccountForm()
    if form.validate_on_submit():
        try:
            user = admin.create_staff(current_user, form.email.data, form.name.data, form.role.data)
        except InvalidCase as exc:
            _field_errors(form, exc)
        else:
            flash(f"Account created for {user.email}; a set-password link was emailed.", "success")
            return redirect(url_for("staff.admin_staff"))
    role_forms = {u.id: RoleForm(formdata=None, role=u.staff_role, prefix=f"u{u.id}") for u in admin.staff_accounts()}
    return render_template("staff/admin/staff.html", form=form, accounts=admin.staff_accounts(),
                           role_forms=role_forms, button=ButtonForm()), (400 if form.errors else 200)


@bp.route("/admin/staff/<int:user_id>/role", methods=["POST"])
@staff_required(role="admin")
def admin_staff_role(user_id):
    user = _get_or_404(User, user_id)
    if not user.is_staff:
        abort(404)
    form = RoleForm(prefix=f"u{user.id}")
    if form.validate_on_submit():
        try:
            admin.change_role(current_user, user, form.role.data)
        except InvalidCase as exc:
            discard("InvalidCase refused the request's change")
            flash(" ".join(exc.errors.values()), "error")
        else:
            flash(f"{user.name} is now {user.staff_role}.", "success")
    return redirect(url_for("staff.admin_staff"))


@bp.route("/admin/staff/<int:user_id>/active", methods=["POST"])
@staff_required(role="admin")
def admin_staff_active(user_id):
    user = _get_or_404(User, user_id)
    if not user.is_staff or not ButtonForm().validate_on_submit():
        abort(404)
    try:
        if request.form.get("active") == "1":
            admin.reactivate_staff(current_user, user)
        else:
            admin.deactivate_staff(current_user, user)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
        return redirect(url_for("staff.admin_staff"))
    flash(f"{user.name} is {'active' if user.is_active else 'deactivated; their sessions ended'}.", "success")
    return redirect(url_for("staff.admin_staff"))


# ---------------------------------------------------------------- queues


@bp.route("/admin/queues")
@staff_required(role="admin")
def admin_queues():
    queues = db.session.scalars(select(Queue).order_by(Queue.name)).all()
    return render_template("staff/admin/queues.html", queues=queues)


@bp.route("/admin/queues/new", methods=["GET", "POST"])
@bp.route("/admin/queues/<int:queue_id>", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_queue(queue_id=None):
    """Create or edit a queue and choose its members."""
    queue = _get_or_404(Queue, queue_id) if queue_id else None
    form = QueueForm(obj=queue)
    members = QueueMembersForm(prefix="m", formdata=None, members=[m.user_id for m in queue.members] if queue else [])
    members.members.choices = [(u.id, f"{u.name} ({u.staff_role})") for u in services.staff_members()]
    if request.method == "POST" and request.form.get("part") == "members" and queue is not None:
        members = QueueMembersForm(prefix="m")
        members.members.choices = [(u.id, u.name) for u in services.staff_members()]
        if members.validate_on_submit():
            admin.set_queue_members(current_user, queue, members.members.data or [])
            flash("Queue members saved.", "success")
            return redirect(url_for("staff.admin_queue", queue_id=queue.id))
    elif request.form.get("part") != "members" and form.validate_on_submit():
        try:
            queue = admin.save_queue(current_user, queue, form.key.data, form.name.data, form.description.data,
                                     form.is_active.data)
        except InvalidCase as exc:
            _field_errors(form, exc)
        else:
            flash("Queue saved.", "success")
            return redirect(url_for("staff.admin_queue", queue_id=queue.id))
    return render_template("staff/admin/queue.html", queue=queue, form=form, members=members), \
        (400 if form.errors else 200)


# ---------------------------------------------------------------- request types


@bp.route("/admin/request-types")
@staff_required(role="admin")
def admin_request_types():
    types = db.session.scalars(select(RequestType).order_by(RequestType.sort_order, RequestType.name)).all()
    return render_template("staff/admin/request_types.html", types=types)


@bp.route("/admin/request-types/new", methods=["GET", "POST"])
@bp.route("/admin/request-types/<int:type_id>", methods=["GET", "POST"])
@staff_required(role="admin")
def admin_request_type(type_id=None):
    """Create or edit a request type and build its fields (add, move, remove, preview: nothing saved
    until "Save request type")."""
    request_type = _get_or_404(RequestType, type_id) if type_id else None
    form = fieldbuilder.type_form(request_type)
    op = fieldbuilder.operation(request.form.get("op")) if request.method == "POST" else None
    focus = None
    if op not in (None, "save"):
        form, focus = fieldbuilder.rearranged(form, op)
    elif op == "save" and form.validate_on_submit():
        try:
            request_type = admin.save_request_type(current_user, request_type, fieldbuilder.type_data(form))
        except InvalidRequestType as exc:
            fieldbuilder.show_definition_problems(form, exc.definition)
            _field_errors(form, InvalidCase({k: v for k, v in exc.errors.items() if k != "fields"}))
            form.fields_problem = exc.errors.get("fields")
        else:
            flash(f"Request type “{request_type.name}” saved.", "success")
            return redirect(url_for("staff.admin_request_types"))
    elif op == "save":  # the basics are refused: show the fields' problems too, all at once
        fieldbuilder.show_definition_problems(form, fieldbuilder.definition_problems(form))
    broken = op == "save" and (form.errors or getattr(form, "fields_problem", None) or _row_errors(form))
    return render_template("staff/admin/request_type.html", form=form, request_type=request_type, focus=focus,
                           preview=fieldbuilder.preview_fields(fieldbuilder.rows_of(form)),
                           row_errors=_row_errors(form), blank=fieldbuilder.blank_row()), (400 if broken else 200)


@bp.route("/admin/request-types/preview", methods=["POST"])
@staff_required(role="admin")
def admin_request_type_preview():
    """The preview of the participant's form for the builder's rows as typed (fieldbuilder.js)."""
    return render_template("staff/admin/_request_type_preview.html",
                           preview=fieldbuilder.preview_fields(fieldbuilder.posted_rows()))


ROW_PARTS = {"label": "Label", "type": "Type", "required": "Required", "choices": "Choices", "help": "Help text",
             "name": "Key"}


def _row_errors(form):
    """(input id, "Field 2 (Label), Choices", message) of every problem in the builder's rows."""
    found = []
    for i, entry in enumerate(form.specs, 1):
        label = entry.form["label"].data
        for sub in entry.form:
            for message in sub.errors:
                found.append((sub.id, f"Field {i}{f' ({label})' if label else ''}, {ROW_PARTS[sub.short_name]}",
                              message))
    return found


# ---------------------------------------------------------------- canned responses


@bp.route("/admin/canned")
@staff_required(role="supervisor")
def admin_canned_list():
    rows = db.session.scalars(select(CannedResponse).order_by(CannedResponse.title)).all()
    return render_template("staff/admin/canned_list.html", rows=rows, button=ButtonForm())


@bp.route("/admin/canned/new", methods=["GET", "POST"])
@bp.route("/admin/canned/<int:canned_id>", methods=["GET", "POST"])
@staff_required(role="supervisor")
def admin_canned(canned_id=None):
    canned = _get_or_404(CannedResponse, canned_id) if canned_id else None
    form = CannedForm(obj=canned)
    form.queue_id.choices = [(0, "All queues (global)")] + [(q.id, q.name) for q in services.active_queues()]
    if request.method == "GET" and canned is not None:
        form.queue_id.data = canned.queue_id or 0
    if form.validate_on_submit():
        admin.save_canned(current_user, canned, form.title.data, form.body.data, form.queue_id.data,
                          form.is_active.data)
        flash("Canned response saved.", "success")
        return redirect(url_for("staff.admin_canned_list"))
    return render_template("staff/admin/canned.html", form=form, canned=canned), (400 if form.errors else 200)


@bp.route("/admin/canned/<int:canned_id>/delete", methods=["POST"])
@staff_required(role="supervisor")
def admin_canned_delete(canned_id):
    canned = _get_or_404(CannedResponse, canned_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    admin.delete_canned(current_user, canned)
    flash("Canned response deleted.", "success")
    return redirect(url_for("staff.admin_canned_list"))


# ---------------------------------------------------------------- holidays and service levels


@bp.route("/admin/holidays", methods=["GET", "POST"])
@staff_required(role="supervisor")
def admin_holidays():
    form = HolidayForm()
    if form.validate_on_submit():
        try:
            admin.add_holiday(current_user, form.day.data, form.name.data)
        except InvalidCase as exc:
            _field_errors(form, exc)
        else:
            flash("Holiday added.", "success")
            return redirect(url_for("staff.admin_holidays"))
    rows = db.session.scalars(select(Holiday).order_by(Holiday.day)).all()
    return render_template("staff/admin/holidays.html", form=form, rows=rows, button=ButtonForm()), \
        (400 if form.errors else 200)


@bp.route("/admin/holidays/<int:holiday_id>/delete", methods=["POST"])
@staff_required(role="supervisor")
def admin_holiday_delete(holiday_id):
    holiday = _get_or_404(Holiday, holiday_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    admin.delete_holiday(current_user, holiday)
    flash("Holiday removed.", "success")
    return redirect(url_for("staff.admin_holidays"))


@bp.route("/admin/service-levels", methods=["GET", "POST"])
@staff_required(role="supervisor")
def admin_service_levels():
    """The service-level targets (apply to cases created or re-timed from now on)."""
    form = ServiceLevelForm(obj=sla.get_settings())
    if form.validate_on_submit():
        try:
            admin.save_service_levels(current_user, {k: getattr(form, k).data for k in sla.DEFAULTS})
        except InvalidCase as exc:
            _field_errors(form, exc)
        else:
            flash("Service levels saved. They apply to new cases and to due times computed from now on.",
                  "success")
            return redirect(url_for("staff.admin_service_levels"))
    return render_template("staff/admin/service_levels.html", form=form), (400 if form.errors else 200)
