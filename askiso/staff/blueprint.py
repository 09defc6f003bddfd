"""The staff workspace blueprint and its template filters."""

from flask import Blueprint

from askiso.staff import sla

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_template_filter("sla_target")
def sla_target(minutes):
    return sla.business_hours_label(minutes)


@bp.app_template_global("shown_due")
def shown_due(case):
    return sla.shown_due(case)
