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


def test_done_when_cli_obligation_reminds_only_its_company_once_and_a_filing_files_it(app, people, runner, client):
    """The issue's "done when": created from the CLI, reminded by `remind` run twice, filed by a certification."""
    from datetime import timedelta

    from askiso.core.timeutil import to_local, utcnow
    from tests.api.conftest import make_token
    from tests.obligations.helpers import file_certification, outbox

    due = (to_local(utcnow()).date() + timedelta(days=5)).isoformat()
    created = runner.invoke(args=["obligations", "create", "--request-type", "ftr_certification", "--due", due,
                                  "--participant", "ALPHA", "--name", "FTR certification"])
    assert created.exit_code == 0, created.output
    for _ in range(2):
        assert runner.invoke(args=["obligations", "remind"]).exit_code == 0
    assert sorted(outbox()) == ["meg.manager@alpha.test", "sara.admin@alpha.test"]
    case = file_certification(people.alpha_user, people.alpha)
    headers = {"Authorization": f"Bearer {make_token(people.alpha_user)}"}
    [item] = client.get("/api/v1/obligations", headers=headers).json["items"]
    assert (item["state"], item["case"]) == ("filed", case.number)
    assert runner.invoke(args=["obligations", "remind"]).exit_code == 0
    assert len(outbox()) == 2  # filed: no more reminders
