"""Forms of the staff obligation pages."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from askiso.obligations.services import REASON_MAX, parse_reminder_days


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ReminderDays:
    """'30, 14, 7, 1': whole days before the due time."""

    def __call__(self, form, field):
        try:
            parse_reminder_days(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from None


class ParticipantsForm(FlaskForm):
    """Who is obligated: picked from the list, codes from a CSV file, or everyone with an attribute."""

    participants = SelectMultipleField(
        "Participants", coerce=int, option_widget=CheckboxInput(), widget=ListWidget(prefix_label=False),
        validate_choice=False,
    )
    codes_csv = FileField("Participant codes from a CSV file (a “code” column, or codes in the first column)")
    attribute = SelectField("All participants with the attribute", validate_choice=False)


class ObligationForm(ParticipantsForm):
    name = StringField("Name", validators=[Optional(), Length(max=200)], filters=[_strip],
                       description="Shown to participants, e.g. “FTR annual certification 2027”.")
    request_type = SelectField("Request type they must file",
                               validators=[DataRequired(message="Choose the request type.")])
    due_date = DateField("Due date (ISO local time, America/New_York)",
                         validators=[DataRequired(message="Give the due date.")])
    due_time = TimeField("Due time", validators=[Optional()], description="Empty: 17:00, the end of the business day.")
    reminder_days = StringField("Reminders, days before the due time", validators=[ReminderDays()],
                                filters=[_strip])
    description = TextAreaField("Note to participants (optional)", validators=[Optional(), Length(max=5000)])


class ReturnForm(FlaskForm):
    reason = TextAreaField("Why it is returned (emailed to the participant's Security Administrators and "
                           "External Managers)",
                           validators=[DataRequired(message="Say why it is returned."), Length(max=REASON_MAX)])


class AttributesForm(FlaskForm):
    attributes = StringField("Attributes (separated by semicolons)", validators=[Optional(), Length(max=1000)])


class ButtonForm(FlaskForm):
    """A bare POST (CSRF only)."""
