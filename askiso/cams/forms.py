"""CAMS forms: participants, adding members, role and membership actions."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, StringField
from wtforms.validators import AnyOf, DataRequired, Length, Optional, Regexp

from askiso.cams.models import MEMBERSHIP_ROLES, PARTICIPANT_STATUSES
from askiso.cams.participants import CODE_PATTERN, CODE_RULE
from askiso.core.validation import ValidEmail


def _strip(value):
    return value.strip() if isinstance(value, str) else value


def _upper(value):
    return value.strip().upper() if isinstance(value, str) else value


class ParticipantForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(message="Enter the participant's name."), Length(max=200)],
                       filters=[_strip])
    code = StringField(
        "Code (customer id)",
        validators=[DataRequired(message="Enter the participant's code."),
                    Regexp(CODE_PATTERN, message=f"The code must be {CODE_RULE}.")],
        filters=[_upper],
        render_kw={"autocapitalize": "characters", "spellcheck": "false"},
    )


class AddMemberForm(FlaskForm):
    email = EmailField("Email", validators=[DataRequired(message="Enter the person's email."), ValidEmail(),
                                            Length(max=254)], filters=[_strip], render_kw={"autocomplete": "off"})
    name = StringField("Full name", validators=[Optional(), Length(max=200)], filters=[_strip],
                       render_kw={"autocomplete": "off"})
    external_manager = BooleanField("Ask ISO/External Manager (sees every case of the company)")
    security_admin = BooleanField("Security Administrator (manages the members)")

    def roles(self):
        return [r for r in MEMBERSHIP_ROLES if getattr(self, r).data]


class RoleForm(FlaskForm):
    role = HiddenField(validators=[AnyOf(MEMBERSHIP_ROLES)])
    grant = HiddenField(validators=[AnyOf(("1", "0"))])


class EndMembershipForm(FlaskForm):
    # The confirmation page sets it; a bare replayed POST without it is refused.
    confirm = HiddenField(validators=[AnyOf(("yes",), message="Confirm on the confirmation page.")])


class StatusForm(FlaskForm):
    status = HiddenField(validators=[AnyOf(PARTICIPANT_STATUSES)])


class ActionForm(FlaskForm):
    """A button that only needs the CSRF token (resend an invitation)."""
