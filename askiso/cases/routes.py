"""Participant case pages: submit, receipt, lists, the case page and its actions, downloads."""

from askiso.cases import case_views, list_views, submit_views  # noqa: F401  (register their routes on bp)
from askiso.cases.blueprint import bp

__all__ = ["bp"]
