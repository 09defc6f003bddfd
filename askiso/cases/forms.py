"""Forms of the participant case pages.

The new-case form is built per request type: the type's own fields
(RequestType.fields) become form fields named `field_<name>`, so that the
shared `field()` macro renders their labels and errors like any other.
"""

import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import EmailField, HiddenField, SelectField, StringField, TelField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length
from wtforms.widgets import DateInput

from askiso.cases.services import SUBJECT_MAX

FIELD_PREFIX = "field_"
# The service's error keys that are not a form field of the same name.
ERROR_FIELDS = {"body": "body", "reason": "reason", "email": "email", "status": "form"}


def options(pairs):
    """(value, label) pairs as WTForms select choices."""
    return [SelectChoice(value, label) for value, label in pairs]


def new_form_key():
    """A random one-time key: the submission key of a new case, the key of kept files."""
    return secrets.token_urlsafe(24)


class FormKeyMixin:
    form_key = HiddenField()

    def ensure_key(self):
        if not self.form_key.data or len(self.form_key.data) > 64:
            self.form_key.data = new_form_key()
        return self.form_key.data


class NewCaseForm(FormKeyMixin, FlaskForm):
    """The part of the new-case form every request type shares."""

    request_type = HiddenField()
    participant = SelectField("Company", coerce=str, validate_choice=False)
    topic = SelectField("Topic", coerce=str, validate_choice=False)
    # Checked by the case service, which reports every problem at once.
    subject = StringField("Subject", render_kw={"maxlength": SUBJECT_MAX})
    description = TextAreaField("Description", render_kw={"rows": 10})
    files = MultipleFileField("Files")
    action = HiddenField()


def _type_field(spec):
    """One WTForms field for a request-type field spec."""
    label = spec["label"] + ("" if spec.get("required", True) else " (optional)")
    kwargs = {"label": label, "description": spec.get("help", "")}
    kind = spec.get("type", "text")
    if kind == "textarea":
        return TextAreaField(**kwargs)
    if kind == "phone":
        return TelField(**kwargs, render_kw={"autocomplete": "tel", "inputmode": "tel"})
    if kind == "email":
        return EmailField(**kwargs, render_kw={"autocomplete": "off"})
    if kind == "date_past":
        return StringField(**kwargs, widget=DateInput())
    if kind == "money":
        return StringField(**kwargs, render_kw={"inputmode": "decimal"})
    if kind == "choice":
        choices = options([("", "Choose…")] + [(c, c) for c in spec.get("choices", [])])
        return SelectField(**kwargs, choices=choices, validate_choice=False)
    return StringField(**kwargs)


def new_case_form(request_type, formdata=None):
    """A NewCaseForm with the request type's own fields added (formdata None on GET)."""

    class TypedNewCaseForm(NewCaseForm):
        pass

    for spec in (request_type.fields if request_type else None) or []:
        setattr(TypedNewCaseForm, FIELD_PREFIX + spec["name"], _type_field(spec))
    if formdata is None:
        return TypedNewCaseForm(formdata=None)
    return TypedNewCaseForm()


def type_fields(form, request_type):
    """The form fields of the request type, in the type's order."""
    return [form[FIELD_PREFIX + spec["name"]] for spec in (request_type.fields or [])] if request_type else []


def type_values(form, request_type):
    """The raw values the person typed in the type's fields, by field name."""
    return {f.name[len(FIELD_PREFIX):]: f.data for f in type_fields(form, request_type)}


def show_errors(form, errors):
    """Put a service's InvalidCase.errors next to the fields they are about."""
    for key, message in errors.items():
        name = FIELD_PREFIX + key[len("fields."):] if key.startswith("fields.") else ERROR_FIELDS.get(key, key)
        if name in form:
            form[name].errors = [*form[name].errors, message]
        else:
            form.form_errors.append(message)


class ReplyForm(FormKeyMixin, FlaskForm):
    # Replies always land: no version check (services.add_message).
    body = TextAreaField("Your reply", render_kw={"rows": 6})
    files = MultipleFileField("Files")


class CloseForm(FlaskForm):
    reason = TextAreaField("Why are you closing the case?", validators=[Length(max=2000)])
    version = HiddenField()


class ReopenForm(FlaskForm):
    reason = TextAreaField("What is still open? (optional)", validators=[Length(max=2000)])
    version = HiddenField()


class ContactForm(FlaskForm):
    email = EmailField("Colleague's email address", validators=[Length(max=254)])


class RemoveContactForm(FlaskForm):
    user_id = HiddenField()


class CaseFilterForm(FlaskForm):
    """The list filters; a GET form, so no CSRF token."""

    class Meta:
        csrf = False

    status = SelectField("Status", validate_choice=False)
    participant = SelectField("Company", validate_choice=False)
    request_type = SelectField("Request type", validate_choice=False)
    q = StringField("Subject or number", validators=[Length(max=200)])
    sort = SelectField(
        "Sort by",
        choices=options([("updated", "Last update"), ("created", "Created"), ("number", "Number")]),
        validate_choice=False,
    )
