"""CAMS pages: staff participant administration and 'My company' for Security Administrators."""

from askiso.cams import admin_views, company_views  # noqa: F401  (register their routes on bp)
from askiso.cams.blueprint import bp

__all__ = ["bp"]
