"""Jinja filters and globals shared by every page."""

from flask import current_app, has_request_context
from flask_login import current_user

from askiso.core import formatting
from askiso.core.markdown import render_markdown
from askiso.core.timeutil import to_local


def init_app(app):
    # Babel, in the ISO's locale and time zone (askiso/core/formatting.py)
    app.jinja_env.filters["localtime"] = formatting.local_datetime
    app.jinja_env.filters["localdate"] = formatting.local_date
    app.jinja_env.filters["weekday_date"] = formatting.weekday_date
    app.jinja_env.filters["filesize"] = formatting.size
    app.jinja_env.filters["amount"] = formatting.amount
    app.jinja_env.filters["number"] = formatting.number
    app.jinja_env.filters["field_value"] = formatting.field_value
    app.jinja_env.filters["to_local"] = to_local
    app.jinja_env.filters["markdown"] = render_markdown
    app.jinja_env.globals["has_endpoint"] = lambda name: name in current_app.view_functions
    app.jinja_env.globals["render_input"] = render_input

    @app.context_processor
    def _globals():
        # The user itself, not Flask-Login's proxy: a page reads it dozens of times.
        user = current_user._get_current_object() if has_request_context() else current_user
        return {"current_user": user, "app_name": "Ask ISO", **_nav_roles()}


# Empty text inputs render the same HTML every time: kept per process, keyed by everything the
# widget writes (type, widget, name, id, attributes, validation flags); a field with a value or an
# error is rendered by WTForms every time.
_EMPTY_INPUTS = {}
_EMPTY_INPUTS_MAX = 512
_KEPT_TYPES = frozenset({"StringField", "TextAreaField", "EmailField", "SearchField", "TelField", "URLField"})


def render_input(field, **attributes):
    """`field(**attributes)`, as WTForms writes it; an empty one from a per-process copy."""
    if field.errors or field.data not in (None, "") or field.type not in _KEPT_TYPES:
        return field(**attributes)
    key = (
        field.type,
        type(field.widget),
        field.name,
        field.id,
        repr(sorted(attributes.items())),
        repr(sorted((field.render_kw or {}).items())),
        repr(sorted(vars(field.flags).items())),
    )
    html = _EMPTY_INPUTS.get(key)
    if html is None:
        html = field(**attributes)
        if len(_EMPTY_INPUTS) < _EMPTY_INPUTS_MAX:
            _EMPTY_INPUTS[key] = html
    return html


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
