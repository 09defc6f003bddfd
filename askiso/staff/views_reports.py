"""Supervisor reports: the page (inline SVG charts with drill-down links) and one CSV per table."""

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from askiso.cases.models import RequestType
from askiso.core.access import staff_required
from askiso.extensions import db
from askiso.staff import report_page, reports, services
from askiso.staff.blueprint import bp


@bp.route("/reports", endpoint="reports")
@staff_required(role="supervisor")
def reports_page():
    """Volumes, service levels, backlog, agents, satisfaction and obligations over a period."""
    f = reports.parse_report_filters(request.args)
    return render_template(
        "staff/reports.html",
        f=f,
        report=report_page.build_report(current_user, f),
        periods=reports.PERIODS,
        volume_by=reports.VOLUME_BY,
        queues=services.active_queues(),
        request_types=db.session.scalars(select(RequestType).order_by(RequestType.name)).all(),
    ), 400 if f.errors else 200


@bp.route("/reports/<name>.csv")
@staff_required(role="supervisor")
def report_table_csv(name):
    """One table of the report as a tidy CSV."""
    if name not in report_page.SECTIONS:
        abort(404)
    f = reports.parse_report_filters(request.args)
    section = report_page.build_report(current_user, f, only=name)["sections"][0]
    return Response(
        report_page.section_csv(section),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="askiso-{name}-{f.start}-{f.end}.csv"',
            "Cache-Control": "private, no-store",
        },
    )
