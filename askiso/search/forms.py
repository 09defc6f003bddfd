"""The search form: words plus the same filters as the case lists (GET, no CSRF)."""

from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import IntegerField, SearchField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, NumberRange, Optional, ValidationError

from askiso.cams.models import Membership, Participant
from askiso.cases import catalog
from askiso.cases.models import STATUS_LABELS
from askiso.extensions import db
from askiso.search.query import MAX_QUERY

STATUS_CHOICES = [
    SelectChoice("", "Any status"),
    SelectChoice("open", "Open (new, in progress, waiting)"),
    SelectChoice("closed", "Resolved or closed"),
    *[SelectChoice(key, label) for key, label in STATUS_LABELS.items() if key != "closed"],
]


class SearchForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that changes nothing

    q = SearchField("Search for", validators=[Optional(), Length(max=MAX_QUERY)])
    status = SelectField("Status", choices=STATUS_CHOICES, default="")
    participant = StringField("Participant code", validators=[Optional(), Length(max=32)])
    request_type = SelectField("Request type", default="")
    page = IntegerField("Page", validators=[Optional(), NumberRange(min=1, max=10000)])

    def __init__(self, viewer, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.viewer = viewer
        types = [SelectChoice(t.key, t.name) for t in catalog.request_type_names()]
        self.request_type.choices = [SelectChoice("", "Any request type"), *types]

    def participant_codes(self):
        """Codes offered as suggestions: the viewer's companies (all, for staff)."""
        stmt = select(Participant.code).order_by(Participant.code)
        if not self.viewer.is_staff:
            stmt = stmt.join(Membership, Membership.participant_id == Participant.id).where(
                Membership.user_id == self.viewer.id, Membership.is_active.is_(True)
            )
        return list(db.session.scalars(stmt.limit(500)))

    def validate_participant(self, field):
        code = (field.data or "").strip()
        if not code:
            return
        stmt = select(Participant.id).where(func.lower(Participant.code) == code.lower())
        if not self.viewer.is_staff:
            stmt = stmt.join(Membership, Membership.participant_id == Participant.id).where(
                Membership.user_id == self.viewer.id, Membership.is_active.is_(True)
            )
        if db.session.scalar(stmt) is None:
            if self.viewer.is_staff:
                raise ValidationError(f"No participant has the code “{code}”.")
            raise ValidationError(f"You are not associated with a participant with the code “{code}”.")
