"""The staff workspace blueprint and its template filters."""

from flask import Blueprint

from askiso.staff import sla

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.app_template_filter("sla_due")
def sla_due(due):
    """'due in 3 h 10 m' or 'overdue by 1 d 2 h'."""
    return sla.describe_due(due)


@bp.app_template_filter("sla_overdue")
def sla_overdue(due):
    return sla.is_overdue(due)


@bp.app_template_filter("sla_target")
def sla_target(minutes):
    return sla.business_hours_label(minutes)


@bp.app_template_global("next_due")
def next_due(case):
    return sla.next_due(case)
