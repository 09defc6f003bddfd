"""Staff obligation pages (/staff/obligations) and the template globals of the participants' pages."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cams.models import Participant
from askiso.cases.models import RequestType
from askiso.core.access import staff_required
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.obligations import queries, reminders, services
from askiso.obligations.forms import AttributesForm, ButtonForm, ObligationForm, ParticipantsForm, ReturnForm
from askiso.obligations.models import OUTSTANDING, STATE_LABELS, Obligation, ObligationParticipant
from askiso.obligations.services import ObligationError

bp = Blueprint("obligations", __name__, url_prefix="/staff/obligations")


@bp.app_template_global("company_obligations")
def company_obligations(user, participant_id=None):
    """For participants' pages: the open obligations of the person's companies, with countdowns."""
    if user is None or not getattr(user, "is_authenticated", False) or user.is_staff:
        return []
    return queries.obligations_for(user, participant_id, outstanding_only=True)


@bp.record_once
def _start_reminders_lazily(state):
    """Embedded default: reminders from a thread of the web process, started by the first request."""
    app = state.app
    if app.testing or not app.config.get("OBLIGATIONS_REMIND_IN_PROCESS"):
        return
    started = []

    @app.before_request
    def _start_obligation_reminders():
        if not started:
            started.append(reminders.start_background_reminders(app, app.config["OBLIGATIONS_REMIND_INTERVAL"]))


# ---------------------------------------------------------------- helpers


def _obligation_or_404(obligation_id):
    obligation = db.session.get(Obligation, obligation_id)
    if obligation is None:
        abort(404)
    return obligation


def _row_or_404(obligation, row_id):
    row = db.session.get(ObligationParticipant, row_id)
    if row is None or row.obligation_id != obligation.id:
        abort(404)
    return row


def _fill_choices(form):
    participants = db.session.scalars(select(Participant).order_by(Participant.code)).all()
    form.participants.choices = [(p.id, f"{p.code} — {p.name}{'' if p.is_active else f' ({p.status})'}")
                                 for p in participants]
    form.attribute.choices = [("", "—")] + [(n, n) for n in services.attribute_names()]
    if isinstance(form, ObligationForm):
        types = db.session.scalars(
            select(RequestType).where(RequestType.is_active.is_(True), RequestType.for_participants.is_(True))
            .order_by(RequestType.sort_order, RequestType.name)).all()
        form.request_type.choices = [("", "Choose…")] + [(t.key, t.name) for t in types]


def _chosen_participants(form):
    """The participants the form names (list, CSV, attribute); ObligationError for unknown codes."""
    chosen = {p.id: p for p in db.session.scalars(
        select(Participant).where(Participant.id.in_(form.participants.data or [])))}
    upload = form.codes_csv.data
    if upload and getattr(upload, "filename", ""):
        try:
            text = upload.read(1024 * 1024).decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ObligationError({"codes_csv": "The CSV file must be UTF-8 text."}) from None
        found, unknown = services.participants_by_codes(services.codes_from_csv(text))
        if unknown:
            raise ObligationError({"codes_csv": "No participant has the code " + ", ".join(unknown[:20]) + "."})
        chosen.update((p.id, p) for p in found)
    if form.attribute.data:
        chosen.update((p.id, p) for p in services.participants_with_attribute(form.attribute.data))
    return sorted(chosen.values(), key=lambda p: p.code)


def _show_errors(form, exc):
    for name, text in exc.errors.items():
        target = getattr(form, {"due": "due_date"}.get(name, name), None)
        if target is not None and hasattr(target, "errors"):
            target.errors = list(target.errors) + [text]
        else:
            flash(text, "error")
    form._errors = None


# ---------------------------------------------------------------- list and create


@bp.route("/")
@staff_required
def index():
    """Every obligation with how many participants are in each state."""
    return render_template("obligations/index.html", overview=queries.obligations_overview(),
                           labels=STATE_LABELS)


@bp.route("/new", methods=["GET", "POST"])
@staff_required(role="supervisor")
def new():
    """Create an obligation: request type, due date, reminders and the participants."""
    form = ObligationForm()
    _fill_choices(form)
    if request.method == "GET":
        form.reminder_days.data = ", ".join(str(d) for d in services.default_reminder_days())
        form.request_type.data = request.args.get("type", "")
    elif form.validate_on_submit():
        try:
            obligation = services.create_obligation(
                current_user, name=form.name.data, request_type_key=form.request_type.data,
                due_date=form.due_date.data, due_time=form.due_time.data, participants=_chosen_participants(form),
                reminder_days=services.parse_reminder_days(form.reminder_days.data),
                description=form.description.data or "",
            )
        except ObligationError as exc:
            discard("ObligationError refused the request's change")
            _show_errors(form, exc)
        else:
            flash(f"“{obligation.name}” was created for {obligation.participants.count()} participant(s).", "success")
            return redirect(url_for("obligations.show", obligation_id=obligation.id))
    return render_template("obligations/new.html", form=form), (400 if form.errors else 200)


# ---------------------------------------------------------------- one obligation


def _render_show(obligation, add_form=None, status=200):
    state = request.args.get("state", "") if request.args.get("state") in STATE_LABELS else ""
    q = (request.args.get("q") or "").strip()[:200]
    add_form = add_form or ParticipantsForm(formdata=None)
    _fill_choices(add_form)
    return render_template(
        "obligations/show.html", obligation=obligation, rows=queries.staff_rows(current_user, obligation, state, q),
        state=state, q=q, labels=STATE_LABELS, add_form=add_form, button=ButtonForm(),
        outstanding=OUTSTANDING,
    ), status


@bp.route("/<int:obligation_id>")
@staff_required
def show(obligation_id):
    """Every obligated participant: state, case, last reminder; filters, export, remind, accept, return."""
    return _render_show(_obligation_or_404(obligation_id))


@bp.route("/<int:obligation_id>.csv")
@staff_required
def export(obligation_id):
    """The participants as shown (same filters) as CSV."""
    obligation = _obligation_or_404(obligation_id)
    state = request.args.get("state", "") if request.args.get("state") in STATE_LABELS else ""
    rows = queries.staff_rows(current_user, obligation, state, request.args.get("q", ""))
    return Response(queries.staff_csv(obligation, rows), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="obligation-{obligation.id}.csv"'})


@bp.route("/<int:obligation_id>/participants", methods=["POST"])
@staff_required(role="supervisor")
def add_participants(obligation_id):
    """Obligate more participants."""
    obligation = _obligation_or_404(obligation_id)
    form = ParticipantsForm()
    _fill_choices(form)
    if not form.validate_on_submit():
        return _render_show(obligation, form, 400)
    try:
        added = services.add_participants(current_user, obligation, _chosen_participants(form))
    except ObligationError as exc:
        discard("ObligationError refused the request's change")
        _show_errors(form, exc)
        return _render_show(obligation, form, 400)
    flash(f"{added} participant(s) added." if added else "Nobody was added: choose participants not yet on it.",
          "success" if added else "info")
    return redirect(url_for("obligations.show", obligation_id=obligation.id))


@bp.route("/<int:obligation_id>/remind", methods=["POST"])
@staff_required
def remind(obligation_id):
    """Remind now: every outstanding participant, or the one named by `row`."""
    obligation = _obligation_or_404(obligation_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    rows = obligation.participants.filter(ObligationParticipant.state.in_(OUTSTANDING)).all()
    if request.form.get("row", "").isdigit():
        rows = [r for r in rows if r.id == int(request.form["row"])]
    sent = reminders.remind_now(current_user, rows)
    flash(f"Reminder sent to {sent} participant(s)." if sent else "Nobody to remind: every participant has filed.",
          "success" if sent else "info")
    return redirect(url_for("obligations.show", obligation_id=obligation.id))


@bp.route("/<int:obligation_id>/rows/<int:row_id>/accept", methods=["POST"])
@staff_required
def accept(obligation_id, row_id):
    """Accept the filed case."""
    obligation = _obligation_or_404(obligation_id)
    row = _row_or_404(obligation, row_id)
    if not ButtonForm().validate_on_submit():
        abort(400)
    try:
        services.accept(current_user, row)
    except ObligationError as exc:
        discard("ObligationError refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
    else:
        flash(f"{row.participant.code}: accepted.", "success")
    return redirect(url_for("obligations.show", obligation_id=obligation.id))


@bp.route("/<int:obligation_id>/rows/<int:row_id>/return", methods=["GET", "POST"])
@staff_required
def return_filing(obligation_id, row_id):
    """Return the filing with a reason (emailed); the participant must file again."""
    obligation = _obligation_or_404(obligation_id)
    row = _row_or_404(obligation, row_id)
    form = ReturnForm()
    if form.validate_on_submit():
        try:
            services.return_filing(current_user, row, form.reason.data)
        except ObligationError as exc:
            discard("ObligationError refused the request's change")
            _show_errors(form, exc)
        else:
            flash(f"{row.participant.code}: returned; the reason was emailed.", "success")
            return redirect(url_for("obligations.show", obligation_id=obligation.id))
    return render_template("obligations/return.html", obligation=obligation, row=row, form=form), (
        400 if form.errors else 200)


# ---------------------------------------------------------------- participant attributes


@bp.route("/attributes", methods=["GET"])
@staff_required(role="supervisor")
def attributes():
    """Every participant with its attributes (e.g. “FTR over 1,000 MW/month”)."""
    return _render_attributes()


def _render_attributes(typed=None, errors=None, status=200):
    participants = db.session.scalars(select(Participant).order_by(Participant.code)).all()
    return render_template("obligations/attributes.html", participants=participants,
                           attributes=services.attributes_by_participant(), form=AttributesForm(formdata=None),
                           typed=typed or {}, errors=errors or {}), status


@bp.route("/attributes/<int:participant_id>", methods=["POST"])
@staff_required(role="supervisor")
def set_attributes(participant_id):
    """Replace one participant's attributes."""
    participant = db.session.get(Participant, participant_id) or abort(404)
    form = AttributesForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        changed = services.set_attributes(current_user, participant, form.attributes.data)
    except ObligationError as exc:
        discard("ObligationError refused the request's change")
        return _render_attributes({participant_id: form.attributes.data},
                                  {participant_id: " ".join(exc.errors.values())}, 400)
    if changed:
        flash(f"{participant.code}: attributes saved.", "success")
    return redirect(url_for("obligations.attributes"))
