"""Managing macros: shared ones by admins, personal ones by each agent."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from askiso.cases.services import InvalidCase
from askiso.core.access import staff_required
from askiso.extensions import db
from askiso.staff import services
from askiso.staff.blueprint import bp
from askiso.staff.forms import ButtonForm, MacroForm
from askiso.staff.macros import Macro, can_manage, delete_macro, managed_macros, save_macro, summary


def _managed_or_404(macro_id):
    """The macro if this person may manage it; 404 otherwise (another agent's macros are not theirs)."""
    macro = db.session.get(Macro, macro_id)
    if macro is None or not can_manage(current_user, macro):
        abort(404)
    return macro


@bp.route("/macros")
@staff_required
def macros():
    """Shared macros and the person's own, with what each does."""
    rows = managed_macros(current_user)
    return render_template(
        "staff/macros/list.html",
        rows=rows,
        summaries={m.id: summary(m) for m in rows},
        can_manage=lambda m: can_manage(current_user, m),
        button=ButtonForm(),
    )


def _macro_form(macro):
    form = MacroForm(obj=macro)
    form.queue_id.choices = [("", "Leave as it is")] + [(str(q.id), q.name) for q in services.active_queues()]
    form.assignee_id.choices = [("", "No one")] + [(str(u.id), u.name) for u in services.staff_members()]
    if request.method == "GET":
        form.queue_id.data = str(macro.queue_id or "") if macro else ""
        form.assignee_id.data = str(macro.assignee_id or "") if macro else ""
        form.status.data = macro.status or "" if macro else ""
        form.priority.data = macro.priority or "" if macro else ""
        form.is_shared.data = macro.is_shared if macro else False
    return form


@bp.route("/macros/new", methods=["GET", "POST"])
@bp.route("/macros/<int:macro_id>", methods=["GET", "POST"])
@staff_required
def macro_edit(macro_id=None):
    """Create or edit a macro (shared ones: admins only)."""
    macro = _managed_or_404(macro_id) if macro_id else None
    form = _macro_form(macro)
    if form.validate_on_submit():
        try:
            save_macro(current_user, macro, form.data)
        except InvalidCase as exc:
            for name, text in exc.errors.items():
                form[name].errors = [*form[name].errors, text]
        else:
            flash("Macro saved.", "success")
            return redirect(url_for("staff.macros"))
    status = 400 if request.method == "POST" else 200
    return render_template("staff/macros/form.html", form=form, macro=macro), status


@bp.route("/macros/<int:macro_id>/delete", methods=["POST"])
@staff_required
def macro_delete(macro_id):
    macro = _managed_or_404(macro_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    delete_macro(current_user, macro)
    flash("Macro deleted.", "success")
    return redirect(url_for("staff.macros"))
