"""Jinja filters and globals shared by every page."""

from flask import current_app, has_request_context
from flask_login import current_user
from markupsafe import Markup

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
    app.jinja_env.globals["select_options"] = select_options

    @app.context_processor
    def _globals():
        # The user itself, not Flask-Login's proxy: a page reads it dozens of times.
        user = current_user._get_current_object() if has_request_context() else current_user
        return {"current_user": user, "app_name": "Ask ISO"}


# Empty text inputs render the same HTML every time: kept per process, keyed by everything the
# widget writes (type, widget, name, id, attributes, validation flags); a field with a value or an
# error is rendered by WTForms every time. File inputs never write a value (WTForms' FileInput), so
# they are kept whatever was posted.
_EMPTY_INPUTS = {}
_EMPTY_INPUTS_MAX = 512
_KEPT_TYPES = frozenset({"StringField", "TextAreaField", "EmailField", "SearchField", "TelField", "URLField"})
_FILE_TYPES = frozenset({"FileField", "MultipleFileField"})


def render_input(field, **attributes):
    """`field(**attributes)`, as WTForms writes it; an empty one from a per-process copy."""
    kept = field.type in _FILE_TYPES or (field.type in _KEPT_TYPES and field.data in (None, ""))
    if field.errors or not kept:
        return field(**attributes)
    key = (
        field.type,
        type(field.widget),
        getattr(field.widget, "multiple", None),
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


# The options of a select, by (choices, chosen value): the staff case page has five selects, one of
# them every active staff member, and writing their options through Jinja (an escape per value and
# label) took a tenth of the page's time. The same choices come back on every page, so the HTML is
# kept per process (bounded: emptied when full); choices that cannot be a key are written each time.
_OPTIONS = {}
_OPTIONS_MAX = 256


def select_options(choices, data):
    """The <option>s of a WTForms SelectField's `choices`, the one whose value is `data` selected."""
    chosen = str(data) if data is not None else ""
    try:
        key = (tuple(choices), chosen)
        html = _OPTIONS.get(key)
    except TypeError:  # unhashable choices
        return _options(choices, chosen)
    if html is None:
        html = _options(choices, chosen)
        if len(_OPTIONS) >= _OPTIONS_MAX:
            _OPTIONS.clear()  # choices that changed (a renamed queue, a new colleague) leave old keys behind
        _OPTIONS[key] = html
    return html


def _options(choices, chosen):
    return Markup("").join(
        Markup('<option value="{}"{}>{}</option>').format(
            value, Markup(" selected") if str(value) == chosen else "", label
        )
        for value, label in choices
    )
