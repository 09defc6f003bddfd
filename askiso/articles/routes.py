"""The articles blueprint with its views: the help centre (/help/articles, public) and the editor
(/staff/articles).

URL rules live in public_views.py and staff_views.py (on the blueprint of blueprint.py); this
module gathers them, and the template helpers the composer and forms include, for the app.
"""

from askiso.articles import public_views, staff_views, template_helpers  # noqa: F401  (their views join bp)
from askiso.articles.blueprint import bp  # noqa: F401  (registered by create_app)
