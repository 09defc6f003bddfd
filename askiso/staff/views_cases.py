"""Staff home, the case list (filters, saved views, bulk actions, CSV) and participant cases."""

from urllib.parse import urlencode

from flask import Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_login import current_user
from sqlalchemy import select

from askiso.cams.models import Membership, Participant
from askiso.cases import catalog
from askiso.cases.models import PRIORITIES, STATUS_LABELS, STATUSES
from askiso.cases.services import InvalidCase
from askiso.core.access import staff_required
from askiso.core.timeutil import utcnow
from askiso.core.unit_of_work import discard
from askiso.extensions import db
from askiso.staff import caselist, services, tabs
from askiso.staff import home as staff_home
from askiso.staff.blueprint import bp
from askiso.staff.forms import ButtonForm, SaveViewForm


@bp.route("")
@staff_required
def home():
    """My open cases, unassigned cases of my queues, cases at risk, my case-list tabs — with counts."""
    now = utcnow()
    queue_ids = services.my_queue_ids(current_user)
    sections, everyday = staff_home.read(current_user, queue_ids, now)
    view_tabs = tabs.build(services.saved_views(current_user))
    tabs.fill_counts(current_user, view_tabs, everyday)
    for section in sections:
        section.link = url_for("staff.cases", **section.link_args)
    return render_template("staff/home.html", sections=sections, tabs=view_tabs, in_queues=bool(queue_ids), now=now)


def _list_context(f):
    now = utcnow()
    views = services.saved_views(current_user)
    return {
        "filters": f,
        "queues": services.active_queues(),
        "staff": services.staff_members(),
        "request_types": catalog.request_type_names(by_name=True),
        "statuses": [("open", "Open (any)"), ("all", "All")] + [(s, STATUS_LABELS[s]) for s in STATUSES],
        "priorities": PRIORITIES,
        "sorts": caselist.SORTS,
        "views": views,
        "tabs": tabs.with_counts(current_user, views, f, now),
        "sort_links": caselist.sort_links(f),
        "query_string": urlencode(f.query_args()),
        "now": now,
    }


@bp.route("/cases")
@staff_required
def cases():
    """The filterable case list, one keyset page at a time."""
    f = caselist.parse_filters(request.args)
    rows, next_cursor = caselist.page(current_user, f, request.args.get("after"))
    return render_template("staff/cases.html", cases=caselist.shown_cases(rows), next_cursor=next_cursor,
                           save_form=SaveViewForm(), button_form=ButtonForm(),
                           is_first_page=not request.args.get("after"),
                           **_list_context(f))


@bp.route("/cases.csv")
@staff_required
def cases_csv():
    """The current view as CSV, streamed (case fields only, never message text)."""
    f = caselist.parse_filters(request.args)
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(caselist.csv_rows(current_user, f)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="askiso-cases-{stamp}.csv"'},
    )


@bp.route("/cases/bulk", methods=["POST"])
@staff_required
def bulk():
    """Apply one action to the selected rows; report rows that changed meanwhile."""
    back = url_for("staff.cases") + "?" + (request.form.get("query_string") or "")[:2000]
    selection = services.parse_selection(request.form.getlist("selected"))
    if not selection:
        flash("Select at least one case.", "error")
        return redirect(back)
    action = request.form.get("action", "")
    value = request.form.get(f"value_{action}", "")
    try:
        result = services.bulk_apply(current_user, selection, action, value)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
        return redirect(back)
    _flash_bulk(result)
    return redirect(back)


def _flash_bulk(result):
    if result.done:
        flash(f"Updated {len(result.done)} case(s): {', '.join(result.done)}.", "success")
    if result.stale:
        flash(f"Not changed because someone changed them since the list loaded: {', '.join(result.stale)}. "
              "Reload and try again.", "warning")
    for number, message in result.failed:
        flash(f"{number}: {message}", "error")
    if result.missing:
        flash(f"Not found: {', '.join(result.missing)}.", "error")


@bp.route("/views", methods=["POST"])
@staff_required
def save_view():
    form = SaveViewForm()
    back = url_for("staff.cases") + "?" + (form.query_string.data or "")[:2000]
    if not form.validate_on_submit():
        flash("Give the view a name (at most 80 characters).", "error")
        return redirect(back)
    try:
        services.save_view(current_user, form.name.data, form.query_string.data)
    except InvalidCase as exc:
        discard("InvalidCase refused the request's change")
        flash(" ".join(exc.errors.values()), "error")
        return redirect(back)
    flash(f"Saved the view “{form.name.data}”.", "success")
    return redirect(back)


@bp.route("/views/<int:view_id>/delete", methods=["POST"])
@staff_required
def delete_view(view_id):
    if not ButtonForm().validate_on_submit() or not services.delete_view(current_user, view_id):
        abort(404)
    flash("View deleted.", "success")
    return redirect(url_for("staff.cases"))


@bp.route("/participants/<code>/cases")
@staff_required
def participant_cases(code):
    """A participant's members and roles and all its cases (for staff)."""
    participant = db.session.scalar(select(Participant).where(Participant.code == code.upper()))
    if participant is None:
        abort(404)
    members = db.session.scalars(
        select(Membership).where(Membership.participant_id == participant.id)
        .order_by(Membership.is_active.desc(), Membership.granted_at)
    ).all()
    f = caselist.parse_filters({**request.args, "participant": participant.code,
                                "status": request.args.get("status") or "all"})
    rows, next_cursor = caselist.page(current_user, f, request.args.get("after"))
    return render_template("staff/participant_cases.html", participant=participant, members=members,
                           cases=caselist.shown_cases(rows),
                           next_cursor=next_cursor, filters=f, now=utcnow())
