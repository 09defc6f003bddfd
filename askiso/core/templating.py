"""Jinja filters and globals shared by every page."""

from flask import current_app, has_request_context
from flask_login import current_user

from askiso.core.markdown import render_markdown
from askiso.core.timeutil import format_local, to_local


def init_app(app):
    app.jinja_env.filters["localtime"] = format_local
    app.jinja_env.filters["localdate"] = lambda v: format_local(v, "%b %d, %Y")
    app.jinja_env.filters["to_local"] = to_local
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["has_endpoint"] = lambda name: name in current_app.view_functions

    @app.context_processor
    def _globals():
        # The user itself, not Flask-Login's proxy: a page reads it dozens of times.
        user = current_user._get_current_object() if has_request_context() else current_user
        return {"current_user": user, "app_name": "Ask ISO", **_nav_roles()}


class _NavRole:
    """Whether the navigation shows a participant-role link: true when the signed-in person holds
    the role in an active membership. Asked only when a template tests it (a page's navigation),
    so an email rendered during a request reads no memberships."""

    __slots__ = ("attribute",)

    def __init__(self, attribute):
        self.attribute = attribute

    def __bool__(self):
        if not has_request_context() or not current_user or not current_user.is_authenticated:
            return False
        if current_user.is_staff:
            return False
        from askiso.visibility import active_memberships

        return any(getattr(row, self.attribute) for row in active_memberships(current_user))


_NAV_ROLES = {
    "nav_is_external_manager": _NavRole("is_external_manager"),
    "nav_is_security_admin": _NavRole("is_security_admin"),
}


def _nav_roles():
    """Which participant-role links the navigation shows (the request's memberships, read once)."""
    return _NAV_ROLES
