"""Staff workspace forms."""

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    FieldList,
    Form,
    FormField,
    HiddenField,
    IntegerField,
    MultipleFileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from askiso.auth.models import STAFF_ROLES
from askiso.cases.fields import FIELD_TYPES
from askiso.cases.models import PRIORITIES, STATUS_LABELS, STATUSES
from askiso.core.validation import ValidEmail


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class VersionedForm(FlaskForm):
    """A case action that carries the version the page was loaded with."""

    version = HiddenField(validators=[DataRequired()])




class ComposerForm(VersionedForm):
    """The one composer of the staff case page: a public reply or an internal note, and the case's
    properties (saved with the message or on their own), checked against one version."""

    body = TextAreaField("Message (Markdown)", validators=[Length(max=50000)])
    files = MultipleFileField("Attach files (optional)")
    seen_message = HiddenField(default="0")
    seen_event = HiddenField(default="0")
    then_status = SelectField("Status after sending", choices=[(s, STATUS_LABELS[s]) for s in STATUSES if s != "new"],
                              default="waiting")
    assignee = SelectField("Assignee", coerce=str, validate_choice=False)
    queue = SelectField("Queue", coerce=str, validate_choice=False)
    # The service checks these (askiso/staff/casework.property_changes); one that is not posted stays.
    status = SelectField("Status", choices=[(s, STATUS_LABELS[s]) for s in STATUSES], validate_choice=False)
    priority = SelectField("Priority", choices=[(p, p.title()) for p in PRIORITIES], validate_choice=False)
    topic = SelectField("Topic", coerce=str, validate_choice=False)

    # "reply" or "note": posted as the un-prefixed `kind` (the name the two old forms used).
    kind = "reply"

    @property
    def is_note(self):
        return self.kind == "note"

    def properties(self, formdata):
        """The posted property values by name (assignee, queue, status, priority, topic)."""
        names = ("assignee", "queue", "status", "priority", "topic")
        return {name: self[name].data for name in names if self[name].name in formdata}


ReplyForm = ComposerForm  # the name the composer had when replies and notes were two forms


class AssignForm(VersionedForm):
    assignee = SelectField("Assignee", coerce=str, validate_choice=False)


class TransferForm(VersionedForm):
    queue = SelectField("Queue", coerce=str, validate_choice=False)


class StatusForm(VersionedForm):
    status = SelectField("Status", choices=[(s, STATUS_LABELS[s]) for s in STATUSES])
    reason = StringField("Reason (optional; shown to the participant when closing)",
                         validators=[Optional(), Length(max=2000)], filters=[_strip])


class PriorityForm(VersionedForm):
    priority = SelectField("Priority", choices=[(p, p.title()) for p in PRIORITIES])


class MergeForm(VersionedForm):
    target = SelectField("Merge this case into", coerce=str, validate_choice=False)
    confirm = BooleanField("Yes, move every message and file there and close this case",
                           validators=[DataRequired(message="Tick the box to confirm the merge.")])


class SaveViewForm(FlaskForm):
    name = StringField("Name of this view", validators=[DataRequired(message="Give the view a name."),
                                                        Length(max=80)], filters=[_strip])
    query_string = HiddenField()


class ButtonForm(FlaskForm):
    """A button that needs only the CSRF token."""


# ---------------------------------------------------------------- administration


class StaffAccountForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter the email."), ValidEmail(), Length(max=254)],
                       filters=[_strip])
    name = StringField("Full name", validators=[DataRequired(message="Enter the name."), Length(max=200)],
                       filters=[_strip])
    role = SelectField("Role", choices=[(r, r.title()) for r in STAFF_ROLES])


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=[(r, r.title()) for r in STAFF_ROLES])


class QueueForm(FlaskForm):
    key = StringField("Key", validators=[DataRequired(message="Enter a key."), Length(max=40)], filters=[_strip])
    name = StringField("Name", validators=[DataRequired(message="Enter a name."), Length(max=120)], filters=[_strip])
    description = TextAreaField("Description", validators=[Optional(), Length(max=2000)])
    is_active = BooleanField("Active", default=True)


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class QueueMembersForm(FlaskForm):
    members = MultiCheckboxField("Members", coerce=int, validate_choice=False)


class FieldSpecForm(Form):
    """One field of a request type in the field builder (askiso/cases/fields.py checks it)."""

    label = StringField("Label", filters=[_strip])
    type = SelectField("Type", choices=list(FIELD_TYPES.items()), default="text", validate_choice=False)
    required = BooleanField("Required", default=True)
    choices = TextAreaField("Choices, one per line", render_kw={"rows": 4})
    help = StringField("Help text (optional)", filters=[_strip])
    name = StringField("Key (optional)", filters=[_strip], render_kw={"spellcheck": "false", "autocapitalize": "off"})


class RequestTypeForm(FlaskForm):
    key = StringField("Key", validators=[DataRequired(message="Enter a key."), Length(max=40)], filters=[_strip])
    name = StringField("Name", validators=[DataRequired(message="Enter a name."), Length(max=160)], filters=[_strip])
    description = TextAreaField("Description", validators=[Optional(), Length(max=4000)])
    specs = FieldList(FormField(FieldSpecForm), label="Fields")
    file_required = BooleanField("A file must be attached")
    queue_id = SelectField("Routed to queue", coerce=int)
    for_participants = BooleanField("Offered to participants", default=True)
    for_non_participants = BooleanField("Offered to non-participants")
    is_active = BooleanField("Active", default=True)


class CannedForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Enter a title."), Length(max=120)],
                        filters=[_strip])
    body = TextAreaField("Text (Markdown; placeholders {participant_name}, {case_number}, {requester_first_name})",
                         validators=[DataRequired(message="Enter the text."), Length(max=20000)],
                         render_kw={"rows": 8})
    queue_id = SelectField("Queue", coerce=int)
    is_active = BooleanField("Active", default=True)


class HolidayForm(FlaskForm):
    day = DateField("Date", validators=[DataRequired(message="Enter a date like 2026-12-25.")])
    name = StringField("Name", validators=[DataRequired(message="Enter the holiday's name."), Length(max=120)],
                       filters=[_strip])


def _minutes(label):
    return IntegerField(label, validators=[
        DataRequired(message="Enter a number of minutes."),
        NumberRange(min=1, max=60 * 9 * 260, message="Between 1 minute and a year."),
    ])


class ServiceLevelForm(FlaskForm):
    urgent_first_response_minutes = _minutes("Urgent: first response (business minutes)")
    high_first_response_minutes = _minutes("High: first response (business minutes)")
    normal_first_response_minutes = _minutes("Normal: first response (business minutes)")
    low_first_response_minutes = _minutes("Low: first response (business minutes)")
    resolution_minutes = _minutes("Resolution (business minutes)")
    autoclose_days = IntegerField("Close Resolved cases after (days without a reply)",
                                  validators=[DataRequired(), NumberRange(min=1, max=90)])
    reminder_days = IntegerField("Remind the submitter after (days)",
                                 validators=[DataRequired(), NumberRange(min=1, max=89)])




# ---------------------------------------------------------------- macros


class MacroForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Give the macro a name."), Length(max=80)],
                       filters=[_strip])
    body = TextAreaField("Text (optional; Markdown; placeholders {participant_name}, {case_number}, "
                         "{requester_first_name})", validators=[Optional(), Length(max=20000)],
                         render_kw={"rows": 6})
    is_internal = BooleanField("Send the text as an internal note (staff only) instead of a public reply")
    status = SelectField("Status", choices=[("", "Leave as it is")] + [(s, STATUS_LABELS[s]) for s in STATUSES
                                                                       if s != "new"])
    priority = SelectField("Priority", choices=[("", "Leave as it is")] + [(p, p.title()) for p in PRIORITIES])
    queue_id = SelectField("Queue", coerce=str, validate_choice=False)
    assign_to = SelectField("Assignee", choices=[("", "Leave as it is"), ("me", "The person applying it"),
                                                 ("nobody", "Unassign"), ("user", "The staff member below")])
    assignee_id = SelectField("Staff member (when assigning to one)", coerce=str, validate_choice=False)
    is_shared = BooleanField("Shared with all staff (admins only)")
    is_active = BooleanField("Active", default=True)
