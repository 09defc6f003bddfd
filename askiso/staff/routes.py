"""The staff workspace: URL rules live in the views_* modules, on one blueprint.

Endpoints used elsewhere: staff.home, staff.cases, staff.case, staff.reports.
"""

from askiso.staff import views_admin, views_case, views_cases, views_macros, views_reports  # noqa: F401  (routes)
from askiso.staff.blueprint import bp

__all__ = ["bp"]
