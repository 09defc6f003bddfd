"""Template helpers: an empty input kept per process must be exactly what WTForms writes."""

from flask_wtf import FlaskForm
from wtforms import EmailField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from askiso.core import templating


class _Form(FlaskForm):
    class Meta:
        csrf = False

    body = TextAreaField("Body", render_kw={"rows": 6})
    reason = TextAreaField("Reason", validators=[Length(max=2000)])
    email = EmailField("Email", validators=[DataRequired(), Length(max=254)])
    name = StringField("Name")


class _OtherForm(FlaskForm):
    """Same field names, other attributes: must not get _Form's kept HTML."""

    class Meta:
        csrf = False

    body = TextAreaField("Body", render_kw={"rows": 2})
    email = EmailField("Email")


def test_empty_inputs_render_as_wtforms_writes_them(app):
    templating._EMPTY_INPUTS.clear()
    with app.test_request_context("/"):
        for _ in range(2):  # the second round comes from the kept copies
            form = _Form()
            for field in form:
                for attributes in ({}, {"aria_invalid": "false", "aria_describedby": f"{field.id}-hint"}, {"rows": 3}):
                    assert str(templating.render_input(field, **attributes)) == str(field(**attributes))
        other = _OtherForm()
        assert 'rows="2"' in templating.render_input(other.body)
        assert "required" not in templating.render_input(other.email)
        assert "maxlength" not in templating.render_input(other.email)


def test_typed_values_and_errors_are_never_served_from_the_kept_copies(app):
    templating._EMPTY_INPUTS.clear()
    with app.test_request_context("/", method="POST", data={"body": "<b>mine</b>", "name": "Ann", "email": ""}):
        form = _Form()
        form.validate()
        assert "&lt;b&gt;mine&lt;/b&gt;" in templating.render_input(form.body)
        assert 'value="Ann"' in templating.render_input(form.name)
        assert form.email.errors and str(templating.render_input(form.email)) == str(form.email())
    with app.test_request_context("/"):
        fresh = _Form()
        assert "mine" not in templating.render_input(fresh.body)
        assert 'value=""' in templating.render_input(fresh.name)


def test_kept_copies_are_bounded(app):
    templating._EMPTY_INPUTS.clear()
    with app.test_request_context("/"):
        form = _Form()
        for i in range(templating._EMPTY_INPUTS_MAX + 50):
            templating.render_input(form.name, placeholder=f"p{i}")
    assert len(templating._EMPTY_INPUTS) == templating._EMPTY_INPUTS_MAX
