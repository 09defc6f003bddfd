"""The articles blueprint: the help centre (/help/articles, public) and the editor (/staff/articles).

URL rules live in public_views.py and staff_views.py; this module holds the
blueprint and the template helpers the composer and forms include.
"""

from flask import Blueprint

bp = Blueprint("articles", __name__)

from askiso.articles import public_views, staff_views, template_helpers  # noqa: E402,F401  (their views join bp)
