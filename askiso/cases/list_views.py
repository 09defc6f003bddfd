"""My cases and, for External Managers, company cases."""

from urllib.parse import urlencode

from flask import abort, render_template, request, url_for
from flask_login import current_user

from askiso.cams.memberships import active_memberships
from askiso.cases import catalog
from askiso.cases.blueprint import bp
from askiso.cases.listing import SORTS, CaseFilters, company_scope, list_cases, my_scope
from askiso.cases.models import STATUS_LABELS
from askiso.core.access import login_required

SORT_LABELS = {"updated": "Last update", "created": "Created", "number": "Number"}
assert set(SORT_LABELS) == set(SORTS)


def _filter_choices(memberships):
    """The filter form's selects: (name, label, [(value, text)]); rendered by the list template."""
    types = [(row.key, row.name) for row in catalog.request_type_names()]
    selects = [("status", "Status", [("", "Any status"), *STATUS_LABELS.items()])]
    if len(memberships) > 1:
        companies = [(str(m.participant_id), f"{m.participant_name} ({m.participant_code})") for m in memberships]
        selects.append(("participant", "Company", [("", "Any company"), *companies]))
    selects.append(("request_type", "Request type", [("", "Any request type"), *types]))
    selects.append(("sort", "Sort by", list(SORT_LABELS.items())))
    return selects


def _render_list(endpoint, title, scope, memberships, show_submitter):
    filters = CaseFilters.from_args(request.args)
    page = list_cases(current_user, scope, filters, cursor=request.args.get("cursor"))
    args = {k: v for k, v in request.args.items() if k != "cursor" and v}
    base = url_for(endpoint)

    def link(params):
        query = urlencode(params)
        return f"{base}?{query}" if query else base

    def status_url(status):
        """The same list filtered to one status (or to any status)."""
        rest = {k: v for k, v in args.items() if k != "status"}
        return link({**rest, "status": status} if status else rest)

    return render_template(
        "cases/list.html",
        title=title,
        endpoint=endpoint,
        list_url=base,
        case_url_base=url_for("cases.view", number="0")[:-1],
        page=page,
        filters=filters,
        selects=_filter_choices(memberships),
        selected={name: request.args.get(name) for name in ("status", "participant", "request_type", "sort")},
        status_labels=STATUS_LABELS,
        show_participant=len(memberships) > 1 or any(c.participant_id is None for c in page.rows),
        show_submitter=show_submitter,
        next_url=link({**args, "cursor": page.next_cursor}) if page.next_cursor else None,
        first_url=link(args),
        status_url=status_url,
        has_filters=any(k in args for k in ("status", "participant", "request_type", "q")),
    )


@bp.route("/cases")
@login_required
def my_cases():
    """The cases you submitted or follow as a contact."""
    return _render_list("cases.my_cases", "My cases", my_scope(current_user), active_memberships(current_user), False)


@bp.route("/cases/company")
@login_required
def company_cases():
    """Every case of the companies where you are an External Manager."""
    managed = [m for m in active_memberships(current_user) if m.is_external_manager]
    if not managed:
        abort(404)
    return _render_list("cases.company_cases", "Company cases", company_scope(current_user), managed, True)
