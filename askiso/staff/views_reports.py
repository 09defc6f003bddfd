"""Supervisor reports: the page, its SVG charts and its CSV."""

from flask import Response, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from askiso.cases.models import RequestType
from askiso.core.access import staff_required
from askiso.extensions import db
from askiso.staff import reports, services
from askiso.staff.blueprint import bp

CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@bp.route("/reports", endpoint="reports")
@staff_required(role="supervisor")
def reports_page():
    """Volumes, backlog, business-hour response times and compliance, with filters."""
    f = reports.parse_report_filters(request.args)
    return render_template(
        "staff/reports.html", f=f, report=reports.build_report(current_user, f), queues=services.active_queues(),
        request_types=db.session.scalars(select(RequestType).order_by(RequestType.name)).all(),
    )


@bp.route("/reports/chart/<name>.svg")
@staff_required(role="supervisor")
def report_chart(name):
    """A chart of the report as a standalone SVG image (drawn by pygal, no script)."""
    f = reports.parse_report_filters(request.args)
    if name == "weekly":
        svg = reports.weekly_chart_svg(reports.weekly_counts(current_user, f))
    elif name == "backlog":
        svg = reports.backlog_chart_svg(reports.backlog_by_queue(current_user, f))
    else:
        abort(404)
    return Response(svg, mimetype="image/svg+xml", headers={"Content-Security-Policy": CHART_CSP,
                                                             "Cache-Control": "private, no-store"})


@bp.route("/reports.csv")
@staff_required(role="supervisor")
def reports_csv():
    f = reports.parse_report_filters(request.args)
    body = reports.report_csv(reports.build_report(current_user, f), f)
    return Response(body, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="askiso-report-{f.start}-{f.end}.csv"'})
