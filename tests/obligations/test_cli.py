"""`flask --app wsgi obligations create`: exactly as DESIGN §4 writes it."""

from sqlalchemy import select

from askiso.extensions import db
from askiso.obligations.models import Obligation


def test_create_with_participants_and_name(app, people, runner):
    result = runner.invoke(args=["obligations", "create", "--request-type", "ftr_certification", "--due",
                                 "2027-04-30", "--participant", "ALPHA", "--participant", "beta", "--name",
                                 "FTR certification 2027"])
    assert result.exit_code == 0, result.output
    obligation = db.session.scalar(select(Obligation))
    assert obligation.name == "FTR certification 2027" and obligation.due_at.isoformat() == "2027-04-30T21:00:00"
    assert sorted(r.participant.code for r in obligation.participants) == ["ALPHA", "BETA"]
    assert obligation.reminder_days == [30, 14, 7, 1]


def test_create_without_a_name_names_it_after_the_request_type(app, people, runner):
    result = runner.invoke(args=["obligations", "create", "--request-type", "ftr_certification", "--due",
                                 "2027-04-30", "--participant", "ALPHA"])
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(Obligation.name)).endswith("due 2027-04-30")


def test_bad_input_creates_nothing(app, people, runner):
    cases = [
        (["--request-type", "nope", "--due", "2027-04-30", "--participant", "ALPHA"], "No request type"),
        (["--request-type", "ftr_certification", "--due", "30/04/2027", "--participant", "ALPHA"], "YYYY-MM-DD"),
        (["--request-type", "ftr_certification", "--due", "2027-04-30", "--participant", "NOPE"], "NOPE"),
        (["--request-type", "ftr_certification", "--due", "2027-04-30"], "--participant"),
    ]
    for args, message in cases:
        result = runner.invoke(args=["obligations", "create", *args])
        assert result.exit_code != 0 and message in result.output, result.output
    assert db.session.scalar(select(Obligation)) is None
