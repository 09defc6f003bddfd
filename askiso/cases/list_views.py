"""My cases and, for External Managers, company cases."""

from flask import abort, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cams.models import Membership, Participant
from askiso.cases.blueprint import bp
from askiso.cases.forms import CaseFilterForm, options
from askiso.cases.listing import CaseFilters, company_scope, list_cases, managed_participant_ids, my_scope
from askiso.cases.models import STATUS_LABELS, RequestType
from askiso.core.access import login_required
from askiso.extensions import db
from askiso.visibility import managed_cases


def _filter_form(participants):
    form = CaseFilterForm(request.args)
    form.status.choices = options([("", "Any status"), *STATUS_LABELS.items()])
    companies = [(str(p.id), f"{p.name} ({p.code})") for p in participants]
    form.participant.choices = options([("", "Any company"), *companies])
    types = db.session.scalars(select(RequestType).order_by(RequestType.sort_order)).all()
    form.request_type.choices = options([("", "Any request type")] + [(t.key, t.name) for t in types])
    return form


def _member_participants(user, ids=None):
    stmt = (
        select(Participant)
        .join(Membership, Membership.participant_id == Participant.id)
        .where(Membership.user_id == user.id, Membership.is_active.is_(True))
        .order_by(Participant.name)
    )
    if ids is not None:
        stmt = stmt.where(Participant.id.in_(ids))
    return db.session.scalars(stmt).all()


def _render_list(endpoint, title, scope, participants, show_submitter, base=None):
    filters = CaseFilters.from_args(request.args)
    page = list_cases(current_user, scope, filters, cursor=request.args.get("cursor"), base=base)
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    return render_template(
        "cases/list.html",
        title=title,
        endpoint=endpoint,
        page=page,
        filters=filters,
        form=_filter_form(participants),
        status_labels=STATUS_LABELS,
        show_participant=len(participants) > 1 or any(c.participant_id is None for c in page.rows),
        show_submitter=show_submitter,
        next_url=url_for(endpoint, **args, cursor=page.next_cursor) if page.next_cursor else None,
        first_url=url_for(endpoint, **args),
        status_url=lambda status: _status_url(endpoint, args, status),
        has_filters=any(k in args for k in ("status", "participant", "request_type", "q")),
    )


def _status_url(endpoint, args, status):
    """The same list filtered to one status (or to any status)."""
    rest = {k: v for k, v in args.items() if k != "status"}
    return url_for(endpoint, **rest, **({"status": status} if status else {}))


@bp.route("/cases")
@login_required
def my_cases():
    """The cases you submitted or follow as a contact."""
    return _render_list(
        "cases.my_cases", "My cases", my_scope(current_user), _member_participants(current_user), False
    )


@bp.route("/cases/company")
@login_required
def company_cases():
    """Every case of the companies where you are an External Manager."""
    ids = managed_participant_ids(current_user)
    if not ids:
        abort(404)
    participants = _member_participants(current_user, ids)
    return _render_list(
        "cases.company_cases", "Company cases", company_scope(ids), participants, True, base=managed_cases(current_user)
    )
