"""The search page for participants and staff."""

from flask import Blueprint, current_app, render_template, request, url_for
from flask_login import current_user

from askiso.core.access import login_required
from askiso.search import services
from askiso.search.forms import SearchForm
from askiso.search.query import STATUS_WORDS

bp = Blueprint("search", __name__)

# Where a case opens, by who is looking; the first registered endpoint wins.
CASE_ENDPOINTS_STAFF = ("staff.case_detail", "staff.case", "cases.detail", "cases.show", "cases.view")
CASE_ENDPOINTS = ("cases.detail", "cases.show", "cases.view")


@bp.route("/search")
@login_required
def search():
    """Words and filters over the cases the person may see."""
    form = SearchForm(current_user, formdata=request.args)
    parsed = page = None
    if _searched() and form.validate():
        parsed, page = services.search(
            current_user,
            form.q.data,
            status=form.status.data,
            participant=form.participant.data,
            request_type=form.request_type.data,
            page=form.page.data or 1,
        )
        if parsed.errors:
            form.q.errors = [*form.q.errors, *parsed.errors]
    return render_template(
        "search/results.html",
        form=form,
        page=page,
        parsed=parsed,
        codes=form.participant_codes(),
        status_words=STATUS_WORDS,
        case_url=_case_url,
        page_url=_page_url,
    )


def _searched():
    return any((request.args.get(name) or "").strip() for name in ("q", "status", "participant", "request_type"))


def _case_url(case):
    endpoints = CASE_ENDPOINTS_STAFF if current_user.is_staff else CASE_ENDPOINTS
    for endpoint in endpoints:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, number=case.number)
    return None


def _page_url(number):
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return url_for("search.search", page=number, **args)


@bp.record_once
def _start_worker_lazily(state):
    """Embedded default: index in the web process, started by the first request."""
    app = state.app
    if app.testing or not _in_process(app):
        return
    started = []

    @app.before_request
    def _start_search_worker():
        if not started:
            from askiso.search.worker import start_background_worker

            started.append(start_background_worker(app))


def _in_process(app):
    import os

    value = app.config.get("SEARCH_WORK_IN_PROCESS", os.environ.get("SEARCH_WORK_IN_PROCESS", "1"))
    return str(value).strip().lower() in {"1", "true", "yes", "on"}
