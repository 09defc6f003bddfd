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


def _nav_roles():
    """Which participant-role links the navigation shows (the request's memberships, read once)."""
    if not has_request_context() or not current_user or not current_user.is_authenticated or current_user.is_staff:
        return {"nav_is_external_manager": False, "nav_is_security_admin": False}
    from askiso.visibility import active_memberships

    rows = active_memberships(current_user)
    return {
        "nav_is_external_manager": any(r.is_external_manager for r in rows),
        "nav_is_security_admin": any(r.is_security_admin for r in rows),
    }
