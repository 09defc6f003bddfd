"""Public inquiries: the form, the emailed confirmation, private tracking links, staff linking."""

from askiso.inquiries import public_views, staff_views, tracking_views  # noqa: F401  (register their routes on bp)
from askiso.inquiries.blueprint import bp

__all__ = ["bp"]
