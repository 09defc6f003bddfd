"""`flask --app wsgi obligations create|remind`."""

from datetime import date

import click
from flask.cli import AppGroup

from askiso.extensions import db
from askiso.obligations import reminders, services

obligations_cli = AppGroup("obligations", help="Obligations: deadlines participants must file by.")


def _due_date(ctx, param, value):
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter("give the date as YYYY-MM-DD") from None


@obligations_cli.command("create")
@click.option("--request-type", "request_type", required=True, help="The request type's key, e.g. ftr_certification.")
@click.option("--due", required=True, callback=_due_date, help="YYYY-MM-DD, due at 17:00 America/New_York.")
@click.option("--participant", "codes", multiple=True, required=True, help="A participant code (repeat for more).")
@click.option("--name", default="", help="The name participants see (default: the request type and date).")
def create(request_type, due, codes, name):
    """Ask participants to file a case of one request type by a date."""
    participants, unknown = services.participants_by_codes(codes)
    if unknown:
        raise click.ClickException("No participant has the code " + ", ".join(unknown) + ".")
    try:
        obligation = services.create_obligation(
            None, name=name, request_type_key=request_type, due_date=due, participants=participants)
    except services.ObligationError as exc:
        raise click.ClickException(" ".join(exc.errors.values())) from None
    db.session.commit()
    click.echo(f"Obligation {obligation.id} “{obligation.name}” due {obligation.due_at:%Y-%m-%d %H:%M} UTC for "
               + ", ".join(p.code for p in participants) + ".")


@obligations_cli.command("remind")
def remind():
    """Mark overdue and send every due reminder once (safe to run often, on several hosts at once)."""
    result = reminders.run_reminders()
    click.echo(f"Marked {result.overdue} overdue. Sent {len(result.sent)} reminder(s)"
               + (": " + ", ".join(f"{code} {point}" for code, point in result.sent) if result.sent else "") + ".")


def register(app):
    app.cli.add_command(obligations_cli)
