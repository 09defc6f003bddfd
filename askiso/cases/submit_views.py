"""Submitting a case and its receipt."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from askiso.cases import catalog, pending, rules, services
from askiso.cases.blueprint import bp
from askiso.cases.forms import new_case_form, options, show_errors, type_fields, type_values
from askiso.cases.incoming import uploaded_files
from askiso.cases.lookup import get_case_or_404
from askiso.core.access import login_required
from askiso.core.unit_of_work import kept_despite_failure
from askiso.extensions import db
from askiso.receipts.services import receipt_of


def available_types(has_participant):
    """Request types a person may file: participant types, or the general ones without a company."""
    if has_participant:
        return [t for t in catalog.active_request_types() if t.for_participants]
    return [t for t in catalog.active_request_types() if t.for_non_participants]


class SubmitContext:
    """What the new-case page offers this person."""

    def __init__(self, user, type_key):
        self.participants = rules.submittable_participants(user)
        # Companies the person belongs to that may not file new cases (suspended or retired).
        self.read_only = [c for c in rules.member_companies(user) if c.status != "active"]
        self.types = available_types(bool(self.participants))
        self.topics = catalog.active_topics()
        self.request_type = next((t for t in self.types if t.key == type_key), None)

    def fill_choices(self, form):
        companies = [(str(p.id), f"{p.name} ({p.code})") for p in self.participants]
        if len(self.participants) == 1:
            form.participant.choices = options(companies)
            form.participant.data = form.participant.data or companies[0][0]
        else:
            form.participant.choices = options([("", "Choose…"), *companies])
        form.topic.choices = options([("", "The request type's usual topic")] + [(t.key, t.name) for t in self.topics])


def _render(ctx, form, kept=(), status=200):
    return (
        render_template(
            "cases/new.html",
            ctx=ctx,
            form=form,
            request_type=ctx.request_type,
            type_fields=type_fields(form, ctx.request_type),
            kept=kept,
        ),
        status,
    )


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
def new():
    """Submit a case: company, request type with its own fields, subject, description, files."""
    if current_user.is_staff:
        flash("Staff file cases on someone's behalf from the staff workspace.", "info")
        return redirect(url_for("staff.home") if "staff.home" in _endpoints() else url_for("main.home"))
    if request.method == "GET":
        pending.purge_stale(user=current_user)
        ctx = SubmitContext(current_user, request.args.get("type", ""))
        form = new_case_form(ctx.request_type)
        form.ensure_key()
        form.request_type.data = ctx.request_type.key if ctx.request_type else ""
        if request.args.get("participant", "").isdigit():
            form.participant.data = request.args["participant"]
        ctx.fill_choices(form)
        return _render(ctx, form)
    return _submit()


def _submit():
    ctx = SubmitContext(current_user, request.form.get("request_type", ""))
    form = new_case_form(ctx.request_type, formdata=True)
    ctx.fill_choices(form)
    if not form.validate():  # the CSRF token; the service checks the rest
        return _render(ctx, form, status=400)
    key = form.ensure_key()
    earlier = services.existing_submission(current_user, key)
    if earlier is not None:
        flash("This case was already received: here is its receipt.", "info")
        return redirect(url_for("cases.receipt", number=earlier.number), code=303)
    chosen = uploaded_files("files")
    if form.action.data == "change_type" or ctx.request_type is None:
        return _shown_again(ctx, form, key, chosen)
    kept = pending.release(current_user, key, request.form.getlist("keep_upload"))
    return _create(ctx, form, key, kept, chosen)


def _shown_again(ctx, form, key, chosen):
    """The form comes back (another request type, or none chosen) with the files kept."""
    problems = _keep_chosen(key, chosen, "the files of a submission shown again")
    if ctx.request_type is None and form.action.data != "change_type":
        withdrawn = bool(request.form.get("request_type"))
        form.form_errors.append(
            "This request type is no longer offered: choose another one." if withdrawn else "Choose a request type."
        )
    if problems:
        form.files.errors = problems
    return _render(ctx, form, pending.pending_for(current_user, key), status=200 if not problems else 422)


def _keep_chosen(key, chosen, why):
    """The form did not go through: the files still ticked and the ones that pass their checks are
    kept, whatever else the request did; returns the problems of the files refused."""
    with kept_despite_failure(why):
        pending.release(current_user, key, request.form.getlist("keep_upload"))
        return pending.keep_files(current_user, key, chosen)


def _create(ctx, form, key, kept, chosen):
    kept_files = pending.as_incoming(kept)
    data = services.NewCase(
        request_type_key=ctx.request_type.key,
        subject=form.subject.data or "",
        description=form.description.data or "",
        participant_id=int(form.participant.data) if (form.participant.data or "").isdigit() else None,
        topic_key=form.topic.data or None,
        field_values=type_values(form, ctx.request_type),
        files=kept_files + chosen,
        submission_key=key,
    )
    try:
        with db.session.begin_nested():
            case = services.create_case(current_user, data, key_checked=True)
    except services.InvalidCase as exc:
        return _failed(ctx, form, key, chosen, exc.errors)
    finally:
        pending.close_all(kept_files)
    pending.consume(kept)
    return redirect(url_for("cases.receipt", number=case.number), code=303)


def _failed(ctx, form, key, chosen, errors):
    """Keep what was typed and the files that passed; say what to fix next to each field."""
    errors = dict(errors)
    problems = _keep_chosen(key, chosen, "the files of a refused case submission")
    if problems:
        errors["files"] = " ".join(problems) + " Choose a corrected file."
    show_errors(form, errors)
    return _render(ctx, form, pending.pending_for(current_user, key), status=422)


@bp.route("/cases/<number>/receipt")
@login_required
def receipt(number):
    """The receipt: the case number and its legal received time."""
    case = get_case_or_404(number, current_user)
    if case.submitter is None:
        abort(404)
    return render_template("cases/receipt.html", case=case, receipt=receipt_of(case))


def _endpoints():
    from flask import current_app

    return current_app.view_functions
