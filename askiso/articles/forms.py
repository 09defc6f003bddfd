"""Forms of the article editor."""

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from askiso.articles.models import AUDIENCE_LABELS, AUDIENCES


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class ArticleForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired(message="Enter a title."), Length(max=200)], filters=[_strip])
    summary = StringField(
        "Summary (shown in lists and suggestions)", validators=[Optional(), Length(max=500)], filters=[_strip]
    )
    topic_id = SelectField("Topic", coerce=int)
    audience = SelectField("Who may read it", choices=[(a, AUDIENCE_LABELS[a]) for a in AUDIENCES])
    body = TextAreaField(
        "Text (Markdown)",
        validators=[DataRequired(message="Enter the text."), Length(max=50000)],
        render_kw={"rows": 16},
    )
    note = StringField("What you changed (for the history)", validators=[Optional(), Length(max=300)], filters=[_strip])


class FileForm(FlaskForm):
    file = FileField("Image or file", validators=[DataRequired(message="Choose a file.")])


class ButtonForm(FlaskForm):
    """A form with only the CSRF token (publish, unpublish, "This answered my question")."""
